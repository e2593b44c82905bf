"""Training edit pages and leave in a real browser: the organisation department edits a venue through the
htmx form (a wrong occupancy is explained in Chinese in place, nothing saved; then saved); a trainee asks
for leave for a lecture, the county admin approves, and the trainee sees it approved and excused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from peixun.training.models import CheckIn, CheckInStatus, LeaveRequest, LeaveStatus, Venue
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory
from tests.browser.conftest import login


@pytest.mark.browser
def test_the_org_admin_edits_a_venue_through_the_htmx_form(page, live_server, tree, org_admin, tmp_path: Path):
    venue = VenueFactory(unit=tree.county_a1, name="甲一县分会场", seats=50, allowed_occupancy=100)
    login(page, live_server.url, org_admin.username)
    page.goto(f"{live_server.url}/training/venues/")
    page.click("a[aria-label='修改甲一县分会场']")
    page.wait_for_url(f"**/training/venues/{venue.pk}/edit/")
    page.fill("#id_seats", "120")
    page.fill("#id_allowed_occupancy", "150")
    page.click("button[type=submit]")
    # htmx swaps the form in place: the same URL, the message beside the field, nothing saved.
    page.wait_for_selector("#id_allowed_occupancy-error")
    assert page.url.endswith(f"/training/venues/{venue.pk}/edit/")
    assert "100" in page.inner_text("#id_allowed_occupancy-error")
    assert "未作任何修改" in page.inner_text("form.edit-form")
    venue.refresh_from_db()
    assert (venue.seats, venue.allowed_occupancy) == (50, 100)
    page.fill("#id_allowed_occupancy", "60")
    page.click("button[type=submit]")
    page.wait_for_url("**/training/venues/")
    assert "分会场“甲一县分会场”已保存" in page.content()
    venue = Venue.objects.get(pk=venue.pk)
    assert (venue.seats, venue.allowed_occupancy, venue.capacity) == (120, 60, 72)
    page.screenshot(path=str(tmp_path / "venue.png"))


@pytest.mark.browser
def test_a_trainee_asks_for_leave_and_the_county_admin_approves(
    browser, page, live_server, tree, trainee_a1, county_a1_admin
):
    cls = ClassFactory(title="纪法贯通专题班")
    EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    lecture = LectureFactory(training_class=cls, topic="监督执纪实务", starts_at=timezone.now() + dt.timedelta(days=1))
    login(page, live_server.url, trainee_a1.username)
    page.goto(f"{live_server.url}/training/classes/{cls.pk}/")
    page.click("text=请假申请与审批进度")
    page.wait_for_url("**/training/leave/")
    page.select_option("#id_lecture", value=str(lecture.pk))
    page.click("button[type=submit]")  # no reason given
    page.wait_for_selector("#id_reason-error")
    assert not LeaveRequest.objects.exists()
    page.fill("#id_reason", "赴外地调查取证")
    page.click("button[type=submit]")
    page.wait_for_selector("text=等待审批")
    assert "待审批" in page.inner_text("#my-leave")

    admin = browser.new_context(locale="zh-CN").new_page()
    login(admin, live_server.url, county_a1_admin.username)
    admin.goto(f"{live_server.url}/training/leave/")
    assert "赴外地调查取证" in admin.inner_text("#leave-to-decide")
    admin.click(f"button[aria-label='批准{trainee_a1.cadre.name}的请假']")
    admin.wait_for_selector(f"text=已批准{trainee_a1.cadre.name}的请假申请")
    assert LeaveRequest.objects.get().status == LeaveStatus.APPROVED
    assert CheckIn.objects.get(lecture=lecture, cadre=trainee_a1.cadre).status == CheckInStatus.EXCUSED

    page.reload()
    assert "已批准" in page.inner_text("#my-leave")
    admin.context.close()
