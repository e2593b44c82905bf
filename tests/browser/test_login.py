from __future__ import annotations

import pytest

from tests.browser.conftest import login


@pytest.mark.browser
def test_a_county_admin_logs_in_and_sees_its_roles(page, live_server, county_a1_admin):
    login(page, live_server.url, county_a1_admin.username)
    assert "单位培训管理员" in page.content()
    assert "甲一县纪委监委" in page.content()
