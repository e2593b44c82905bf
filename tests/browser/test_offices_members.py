"""The office membership page in the browser: the organisation department searches a cadre by name and
adds them, appoints a new director; the new director adds a pool teacher (and cannot find a cadre out of
reach), removes a member with a reason; the history shows every change. Then an inline edit of a topic's
milestone and a refused topic edit, both through htmx."""

from __future__ import annotations

import datetime as dt

import pytest

from peixun.offices import services_work as work
from peixun.offices.models import OfficeMembership
from peixun.org.tests.factories import CadreFactory, cadre_user
from peixun.teachers.tests.factories import TeacherFactory
from tests.browser.conftest import login


def switch(page, base: str, user) -> None:
    page.context.clear_cookies()
    login(page, base, user.username)


def search(page, text: str) -> None:
    page.fill("#candidate-q", text)
    page.wait_for_selector(f"#candidates :text('{text}'), #candidates :text('没有找到')")


@pytest.mark.browser
def test_the_org_department_and_the_director_manage_the_members_with_history(
    page, live_server, tree, office, org_admin, office_director, office_member
):
    base = live_server.url
    page.on("dialog", lambda d: d.accept())
    newcomer = cadre_user(unit=tree.city_b, name="新任主任王")
    pool_cadre = CadreFactory(unit=tree.county_b1, name="库内教师赵")
    TeacherFactory(cadre=pool_cadre)
    stranger = CadreFactory(unit=tree.county_b1, name="库外干部钱")

    # The organisation department finds the newcomer by name and adds them as a member.
    login(page, base, org_admin.username)
    page.goto(f"{base}/offices/{office.pk}/")
    page.click("#manage-members")
    search(page, "新任主任")
    row = page.locator(f"#candidates tr[data-cadre='{newcomer.cadre.employee_number}']")
    row.locator("input[name=reason]").fill("充实教研力量")
    row.locator("button").click()
    page.wait_for_selector("#member-ok :text('新任主任王已加入本教研室')")
    assert page.locator("#candidates tr").count() == 0  # the stale search is cleared
    assert page.locator(f"#member-table tr[data-member='{newcomer.cadre.employee_number}']").count() == 1

    # ...and appoints them director; the previous director stays on as a member.
    mine = page.locator(f"#member-table tr[data-member='{newcomer.cadre.employee_number}']")
    mine.locator("select[name=role]").select_option("director")
    mine.locator("button:has-text('调整职责')").click()
    page.wait_for_selector("#member-ok :text('新任主任王的职责已调整')")
    old = page.locator(f"#member-table tr[data-member='{office_director.cadre.employee_number}'] td.role")
    assert old.inner_text() == "成员"

    # The new director searches: a cadre of another county outside the pool is not offered, a pool teacher is.
    switch(page, base, newcomer)
    page.goto(f"{base}/offices/{office.pk}/members/")
    search(page, stranger.name)
    assert page.locator("#candidates :text('没有找到')").count() == 1
    search(page, "库内教师")
    teacher_row = page.locator(f"#candidates tr[data-cadre='{pool_cadre.employee_number}']")
    assert teacher_row.locator("select[name=role]").count() == 0  # directors add ordinary members only
    teacher_row.locator("button").click()
    page.wait_for_selector("#member-ok :text('库内教师赵已加入本教研室')")

    # The director removes a member, with a reason, after confirming.
    gone = page.locator(f"#member-table tr[data-member='{office_member.cadre.employee_number}']")
    gone.locator("input[name=reason]").fill("工作调动")
    gone.locator("button:has-text('移出')").click()
    page.wait_for_selector(f"#member-ok :text('{office_member.cadre.name}已移出本教研室')")
    assert not OfficeMembership.objects.filter(office=office, cadre=office_member.cadre).exists()

    history = page.locator("#member-history tbody").inner_text()
    for expected in ("充实教研力量", "成员 → 主任", "主任 → 成员", "库内教师赵", "工作调动", "移出"):
        assert expected in history, expected


@pytest.mark.browser
def test_a_milestone_and_a_topic_are_edited_in_place(page, live_server, office, office_director, office_member):
    base = live_server.url
    topic = work.topic_save(
        actor=office_director, office=office, title="培训需求调研", plan="问卷", members=[office_member.cadre]
    )
    milestone = work.milestone_add(actor=office_member, topic=topic, title="发放问卷", due_on=dt.date(2026, 6, 30))

    login(page, base, office_director.username)
    page.goto(f"{base}/offices/topics/{topic.pk}/")
    row = page.locator(f"#milestone-{milestone.pk}")
    row.locator("a:has-text('编辑')").click()
    page.wait_for_selector(f"#milestone-{milestone.pk}.editing")
    row.locator("input[name=title]").fill("回收问卷")
    row.locator("input[name=due_on]").fill("2026-07-15")
    row.locator("button:has-text('保存')").click()
    page.wait_for_selector(f"#milestone-{milestone.pk}:not(.editing) :text('回收问卷')")
    assert "2026-07-15" in page.locator(f"#milestone-{milestone.pk}").inner_text()

    page.click("#edit-topic")
    page.wait_for_selector("#topic-edit-form")
    page.fill("#topic-edit-form #id_title", "")
    page.click("#topic-edit-form button[type=submit]")
    page.wait_for_selector(f"#topic-edit-form .field-error:text('{work.ERR_REQUIRED}')")
    page.fill("#topic-edit-form #id_title", "培训需求调研（修订）")
    page.click("#topic-edit-form button[type=submit]")
    page.wait_for_selector("h1:has-text('培训需求调研（修订）')")
    page.wait_for_selector("text=课题已保存")
