"""The library in the browser: a teacher uploads lecture notes, the office organises and publishes them,
a county trainee finds them by a word inside the file and reads them in the pdf.js preview."""

from __future__ import annotations

import pytest

from peixun.library.tests.factories import lecture_of
from peixun.library.tests.samples import pdf_bytes
from tests.browser.conftest import login


def switch(page, base: str, user) -> None:
    page.context.clear_cookies()
    login(page, base, user.username)


@pytest.mark.browser
def test_a_handout_is_uploaded_published_found_and_previewed(
    page, live_server, tree, office, teacher, office_member, trainee_a1, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS_BACKEND = "sync"
    base = live_server.url
    lecture = lecture_of(office, teacher=teacher, topic="监督执纪实务")

    login(page, base, teacher.username)
    page.goto(f"{base}/library/lectures/{lecture.pk}/handouts/")
    page.set_input_files("#id_file", files=[{
        "name": "../第一讲.pdf", "mimeType": "application/pdf",
        "buffer": pdf_bytes("第一页：把监督执纪挺在前面", "第二页：执纪问责"),
    }])  # fmt: skip
    page.fill("#id_title", "第一讲讲义")
    page.click("form.fields button")
    page.wait_for_selector("text=讲义已上传")
    assert page.is_visible("text=第一讲.pdf")

    switch(page, base, office_member)
    page.goto(f"{base}/library/lectures/{lecture.pk}/handouts/")
    page.click("text=整理发布到资源库")
    page.fill("#id_title", "纪律审查专题讲义")
    page.fill("#id_summary", "专题辅导班第一讲")
    page.fill("#id_tags", "执纪,审查")
    page.select_option("#id_scope", "all")
    page.click("form.card button")
    page.wait_for_selector("text=资源已整理")
    page.click("#publish-button")
    page.wait_for_selector("text=资源已发布")

    switch(page, base, trainee_a1)
    page.goto(f"{base}/library/?q=监督执纪")
    assert page.inner_text(".snippet mark") == "监督执纪"
    page.click("text=纪律审查专题讲义")
    page.wait_for_selector("#pdf-viewer[data-ready='1']", timeout=30000)
    assert page.locator("#pdf-viewer canvas.pdf-page").count() == 2
