"""The teacher pool in the browser: a round is opened, a unit nominates a cadre, the organisation department
returns the application once, the unit resubmits, the review passes and the committee approves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peixun.accounts.models import RoleGrant
from peixun.offices.models import ResearchOffice
from peixun.teachers.models import Teacher
from tests.browser.conftest import login


def switch(page, base: str, user) -> None:
    page.context.clear_cookies()
    login(page, base, user.username)


@pytest.mark.browser
def test_a_nominated_cadre_is_returned_once_resubmitted_and_approved_into_the_pool(
    page, live_server, tree, office, org_admin, county_b1_admin, trainee_b1, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    ResearchOffice.objects.create(code="AJ", name="案件监督管理教研室", field="案件监督管理", sort_order=4)

    # The organisation department opens a round.
    login(page, base, org_admin.username)
    page.goto(f"{base}/teachers/")
    page.click("#new-round")
    page.fill("#id_title", "2026年度师资遴选")
    page.fill("#id_criteria", "政治坚定，熟悉纪检监察业务，具有授课经验")
    page.check("text=综合工作教研室")
    page.fill("#id_deadline", (timezone.localdate() + dt.timedelta(days=20)).isoformat())
    page.click("#round-form button[type=submit]")
    page.wait_for_selector("text=遴选批次已发布")
    round_url = page.url

    # County B1 nominates its cadre, with a sample lecture.
    switch(page, base, county_b1_admin)
    page.goto(round_url)
    page.click("#nominate-link")
    page.fill("#id_employee_number", trainee_b1.cadre.employee_number)
    page.check("#nominate-form >> text=综合工作教研室")
    page.fill("#id_experience", "近两年为县纪委监委干部授课4次")
    page.fill("#id_unit_opinion", "该同志业务扎实，同意推荐")
    page.fill("#id_sample_title", "监督执纪四种形态")
    page.set_input_files(
        "#id_sample_file", files=[{"name": "示范课.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    page.click("#nominate-form button[type=submit]")
    page.wait_for_selector("text=推荐已提交")
    detail_url = page.url
    assert page.inner_text("#app-status") == "待组织审核"

    # Organisational review returns it with a reason.
    switch(page, base, org_admin)
    page.goto(detail_url)
    page.check("#review-form input[value=return]")
    page.fill("#review-form textarea[name=comment]", "请补充授课效果评价")
    page.click("#review-form button")
    page.wait_for_selector("text=审核结果已保存")
    assert page.inner_text("#app-status") == "退回修改"

    # The unit edits and resubmits.
    switch(page, base, county_b1_admin)
    page.goto(detail_url)
    assert "请补充授课效果评价" in page.inner_text("#steps")
    page.click("#edit-link")
    page.fill("#id_experience", "近两年授课4次，学员评教平均92分")
    page.fill("#id_comment", "已补充授课效果")
    page.click("#resubmit-form button[type=submit]")
    page.wait_for_selector("text=已重新提交")
    assert page.inner_text("#app-status") == "待组织审核"
    assert page.query_selector("#edit-link") is None

    # Review passes; the committee's approval is recorded.
    switch(page, base, org_admin)
    page.goto(detail_url)
    page.fill("#review-form textarea[name=comment]", "符合条件")
    page.click("#review-form button")
    page.wait_for_selector("text=审核结果已保存")
    page.fill("#approve-form textarea[name=comment]", "经研究同意入库")
    page.click("#approve-form button")
    page.wait_for_selector("text=已入库，师资编号")
    number = page.inner_text("#teacher-number")
    steps = page.inner_text("#steps")
    for word in ("提交", "退回修改", "修改后重新提交", "组织审核通过", "研究审定入库", "请补充授课效果评价"):
        assert word in steps

    teacher = Teacher.objects.get(cadre=trainee_b1.cadre)
    assert teacher.number == number
    assert RoleGrant.objects.filter(user=trainee_b1, role="teacher").exists()

    # The candidate was told at every step and finds their profile.
    switch(page, base, trainee_b1)
    page.goto(f"{base}/training/notifications/")
    notices = page.content()
    assert "请补充授课效果评价" in notices and number in notices
    page.goto(f"{base}/teachers/")
    page.click("text=我的师资档案")
    assert number in page.content() and "综合工作教研室" in page.content()
