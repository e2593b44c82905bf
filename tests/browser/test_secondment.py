"""A whole secondment batch in the browser: notice → application → reviews → placement → assessment →
final appraisal → return, by the organisation department, both units and the secondee."""

from __future__ import annotations

import pytest

from peixun.org.tests.factories import cadre_user, grant
from peixun.secondment.models import Secondment
from peixun.secondment.tests.conftest import with_service
from tests.browser.conftest import login


def switch(page, base: str, user) -> None:
    page.context.clear_cookies()
    login(page, base, user.username)


@pytest.mark.browser
def test_a_batch_runs_from_the_notice_to_the_final_appraisal(
    page, live_server, tree, org_admin, county_b1_admin, trainee_b1
):
    base = live_server.url
    with_service(trainee_b1)
    enterprise_admin = grant(cadre_user(unit=tree.enterprise, name="集团纪委管理员"), "unit_admin", tree.enterprise)

    # The organisation department writes the notice, offers a post and publishes.
    login(page, base, org_admin.username)
    page.goto(f"{base}/secondment/batches/new/")
    page.fill("#id_year", "2026")
    page.fill("#id_title", "2026年度双向学习锻炼")
    page.fill("#id_notice", "现组织开展2026年度双向学习锻炼工作。")
    page.fill("#id_start_date", "2026-03-01")
    page.fill("#id_end_date", "2026-08-31")
    page.fill("#id_reference_date", "2026-03-01")
    page.click("#batch-form button[type=submit]")
    page.wait_for_selector("text=选派批次已创建")
    page.select_option("#post-form select[name=receiving_unit]", str(tree.enterprise.pk))
    page.fill("#post-form input[name=title]", "集团纪委审查调查岗")
    page.fill("#post-form input[name=preferred_skills]", "审查调查，财务")
    page.click("#post-form button")
    page.wait_for_selector("text=岗位已添加")
    page.click("#publish")
    page.wait_for_selector("text=选派通知已发布")
    batch_url = page.url

    # The cadre reads the notice and applies.
    switch(page, base, trainee_b1)
    page.goto(batch_url)
    assert "现组织开展2026年度双向学习锻炼工作" in page.content()
    page.click("#apply-link")
    page.fill("#id_statement", "希望到企业纪检机构锻炼提高")
    page.fill("#id_skills", "审查调查")
    page.select_option("#id_preference_1", label="某集团纪委 · 集团纪委审查调查岗")
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector("text=报名已提交")
    assert "单位尚未填写政治素质考察意见" in page.content()
    detail_url = page.url

    # The sending unit assesses and agrees.
    switch(page, base, county_b1_admin)
    page.goto(detail_url)
    page.fill("#form-unit_review textarea[name=political_assessment]", "政治立场坚定")
    page.fill("#form-unit_review textarea[name=work_assessment]", "工作实绩突出")
    page.fill("#form-unit_review textarea[name=opinion]", "同意推荐")
    page.click("#form-unit_review button")
    page.wait_for_selector("text=单位意见已保存")
    assert "符合选派条件" in page.content()

    # The organisation department approves, places, confirms and sends the cadre off.
    switch(page, base, org_admin)
    page.goto(detail_url)
    page.click("#form-org_review button")
    page.wait_for_selector("text=审核结果已保存")
    page.goto(batch_url + "placement/")
    page.click("#run-placement")
    page.wait_for_selector("text=已生成岗位安排方案")
    assert "第一志愿；专业匹配 1/2" in page.inner_text("#placement")
    page.click("#confirm-placement")
    page.wait_for_selector("text=岗位安排已确定")
    with page.expect_popup() as popup:
        page.click(f"a[href$='/notice/{tree.enterprise.pk}/']")
    assert popup.value.url.endswith(f"/notice/{tree.enterprise.pk}/")
    popup.value.close()
    page.click("#start-batch")
    page.wait_for_selector("text=锻炼干部已到岗")
    trainee_b1.cadre.refresh_from_db()
    assert trainee_b1.cadre.status == "seconded"

    # The receiving unit assesses monthly; the secondee logs work and sums up.
    switch(page, base, enterprise_admin)
    page.goto(detail_url)
    page.select_option("#form-assessment select[name=period_kind]", "month")
    page.fill("#form-assessment input[name=period]", "2026-03")
    page.select_option("#form-assessment select[name=rating]", "excellent")
    page.fill("#form-assessment input[name=days_present]", "21")
    page.fill("#form-assessment textarea[name=comment]", "工作积极主动")
    page.click("#form-assessment button")
    page.wait_for_selector("text=平时考核已登记")
    assert "工作积极主动" in page.inner_text("#assessments")
    switch(page, base, trainee_b1)
    page.goto(detail_url)
    page.fill("#form-worklog textarea[name=content]", "参与一起案件的审查调查")
    page.click("#form-worklog button")
    page.wait_for_selector("text=工作日志已保存")
    page.fill("#form-summary textarea[name=summary]", "半年来收获很大")
    page.click("#form-summary button")
    page.wait_for_selector("text=个人总结已提交")

    # Final appraisal by the receiving unit, opinion and return by the sending unit.
    switch(page, base, enterprise_admin)
    page.goto(detail_url)
    page.select_option("#form-appraisal select[name=rating]", "excellent")
    page.fill("#form-appraisal textarea[name=comment]", "政治过硬，业务精通")
    page.click("#form-appraisal button")
    page.wait_for_selector("text=期满考核鉴定已保存")
    switch(page, base, county_b1_admin)
    page.goto(detail_url)
    assert page.locator("#form-assessment").count() == 0  # the sending unit reads, never rates
    page.fill("#form-sending_opinion textarea[name=opinion]", "同意接收单位鉴定意见")
    page.click("#form-sending_opinion button")
    page.wait_for_selector("text=派出单位意见已保存")
    page.click("#form-return button")
    page.wait_for_selector("text=已办理期满返回")
    assert page.inner_text("#stage") == "已期满返回"
    page.goto(f"{base}/secondment/cadres/{trainee_b1.cadre_id}/record/")
    assert "优秀" in page.inner_text("#record")
    s = Secondment.objects.get()
    assert s.final_rating == "excellent" and s.stage == "completed"
    trainee_b1.cadre.refresh_from_db()
    assert trainee_b1.cadre.status == "active"
