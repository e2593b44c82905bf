"""A county admin's day with the organisation data: the tree, an Excel import with a mistake and its
correction, the new cadre in the list, and a foreign county's cadre out of reach."""

from __future__ import annotations

import datetime as dt

import pytest

from peixun.org import idnumber
from peixun.org.import_models import ImportKind
from peixun.org.imports.testing import cadre_values, id_number, xlsx_bytes
from tests.browser.conftest import login

BIRTH = dt.date(1990, 5, 20)


@pytest.mark.browser
def test_a_county_admin_imports_cadres_after_fixing_an_error(
    page, live_server, settings, tmp_path, county_a1_admin, trainee_b1
):
    settings.TASKS_BACKEND = "thread"
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    good_id = id_number(BIRTH, "F", serial=12)
    bad_id = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    rows = [
        cadre_values(工号="A1-9001", 姓名="赵新人", 性别="女", 出生日期="1990-05-20", 身份证号=bad_id),
        cadre_values(工号="A1-9002", 姓名="钱同事", 出生日期="1989/1/2"),
    ]
    wrong, fixed = tmp_path / "干部-有错误.xlsx", tmp_path / "干部-已修改.xlsx"
    wrong.write_bytes(xlsx_bytes(ImportKind.CADRES, rows))
    rows[0]["身份证号"] = good_id
    fixed.write_bytes(xlsx_bytes(ImportKind.CADRES, rows))

    login(page, base, county_a1_admin.username)

    # The tree shows the admin's own county, which opens on its page.
    page.goto(f"{base}/org/units/")
    page.click("text=甲一县纪委监委")
    page.wait_for_selector("h1:has-text('甲一县纪委监委')")
    assert "乙一县" not in page.content()

    # The file with a wrong ID number: the error is listed with its row and column, nothing is written.
    page.goto(f"{base}/org/import/")
    page.set_input_files("#id_file", str(wrong))
    page.click("button:has-text('上传并校验')")
    page.wait_for_selector("table.import-errors", timeout=30000)
    error_row = page.locator("table.import-errors tbody tr").first
    assert error_row.locator("td").all_inner_texts() == ["2", "身份证号", idnumber.ERR_CHECKSUM]
    assert page.locator("button:has-text('仅导入无误的行')").is_visible()
    page.screenshot(path="/tmp/import_errors.png", full_page=True)

    # The corrected file validates and imports.
    page.goto(f"{base}/org/import/")
    page.set_input_files("#id_file", str(fixed))
    page.click("button:has-text('上传并校验')")
    page.wait_for_selector("text=校验通过，2 行", timeout=30000)
    page.click("button:has-text('导入')")
    page.wait_for_selector("text=导入完成：新增 2 条，更新 0 条", timeout=30000)

    page.goto(f"{base}/org/cadres/?q=赵新人")
    assert page.locator("table.grid tbody tr").first.locator("td").first.inner_text() == "A1-9001"
    assert "甲一县纪委监委" in page.locator("table.grid tbody").inner_text()

    # Another county's cadre by direct URL: not found.
    response = page.goto(f"{base}/org/cadres/{trainee_b1.cadre.pk}/")
    assert response is not None and response.status == 404
    assert trainee_b1.cadre.name not in page.content()
