"""Edit pages of plans, venues, quotas and study-hours targets, through the Django client: Chinese messages
on bad input with nothing changed, htmx partial answers, scope, and the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from peixun.accounts.roles import Role
from peixun.audit.models import AuditEvent
from peixun.org import services as org_services
from peixun.org.tests.factories import cadre_user, grant
from peixun.training import services as ts
from peixun.training import services_edit as se
from peixun.training.models import Quota, StudyHoursTarget, TrainingPlan, Venue
from peixun.training.tests.factories import YEAR, ClassFactory, EnrolmentFactory, PlanFactory, VenueFactory

HX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- Plans ----------------------------------------------------------------------------------------------


def test_the_org_admin_creates_and_edits_a_plan_on_its_page(org_admin, client_of):
    client = client_of(org_admin)
    response = client.post(
        reverse("training:plan_create"), {"year": YEAR + 1, "title": "明年计划", "hours_target": "36"}
    )
    assert response.status_code == 302
    plan = TrainingPlan.objects.get(year=YEAR + 1)
    assert plan.hours_target == Decimal("36.0")
    response = client.post(
        reverse("training:plan_edit", args=[plan.pk]),
        {"year": YEAR + 1, "title": "明年培训计划（修订）", "hours_target": "42.5", "description": "增加专题"},
        follow=True,
    )
    plan.refresh_from_db()
    assert (plan.title, plan.hours_target, plan.description) == ("明年培训计划（修订）", Decimal("42.5"), "增加专题")
    assert "已保存" in text(response) and "明年培训计划（修订）" in text(response)
    assert AuditEvent.objects.filter(event="training.plan_save").count() == 2


def test_it_refuses_a_second_plan_for_the_same_year_with_a_chinese_message_and_changes_nothing(org_admin, client_of):
    taken = PlanFactory(year=YEAR, title="本年计划")
    other = PlanFactory(year=YEAR + 2, title="后年计划")
    response = client_of(org_admin).post(
        reverse("training:plan_edit", args=[other.pk]), {"year": YEAR, "title": "改年份", "hours_target": "40"}
    )
    assert response.status_code == 200
    assert ts.ERR_YEAR_TAKEN in text(response) and "未作任何修改" in text(response)
    other.refresh_from_db()
    taken.refresh_from_db()
    assert (other.year, other.title, taken.title) == (YEAR + 2, "后年计划", "本年计划")


def test_an_htmx_post_gets_only_the_form_back_on_error_and_a_redirect_header_on_success(org_admin, client_of):
    client = client_of(org_admin)
    bad = client.post(reverse("training:plan_create"), {"year": "", "title": "", "hours_target": "abc"}, **HX)
    assert bad.status_code == 200
    assert "<html" not in text(bad) and 'hx-post="/training/plans/new/"' in text(bad)
    assert "该字段是必填项" in text(bad) and "输入一个数字" in text(bad)
    assert not TrainingPlan.objects.exists()
    good = client.post(reverse("training:plan_create"), {"year": YEAR, "title": "本年计划", "hours_target": "40"}, **HX)
    assert good.status_code == 204 and good["HX-Redirect"] == reverse("training:plan_list")


def test_plan_pages_are_for_the_organisation_department_only(county_a1_admin, trainee_a1, client_of):
    plan = PlanFactory()
    for user in (county_a1_admin, trainee_a1):
        client = client_of(user)
        assert client.get(reverse("training:plan_list")).status_code == 403
        assert (
            client.post(reverse("training:plan_edit", args=[plan.pk]), {"year": YEAR, "title": "x"}).status_code == 403
        )
    plan.refresh_from_db()
    assert plan.title != "x"


# --- Study-hours targets ----------------------------------------------------------------------------------


def test_the_org_admin_sets_and_removes_a_cadres_own_hours_target(tree, org_admin, client_of):
    plan = PlanFactory(hours_target=Decimal("40"))
    cadre = cadre_user(unit=tree.county_a1, name="赵六").cadre
    client = client_of(org_admin)
    url = reverse("training:hours_targets", args=[plan.pk])
    response = client.post(url, {"employee_number": cadre.employee_number, "hours": "24"}, follow=True)
    target = StudyHoursTarget.objects.get(cadre=cadre, year=plan.year)
    assert target.hours == Decimal("24.0")
    assert "赵六" in text(response) and "学时目标已设为24" in text(response)
    client.post(reverse("training:hours_target_remove", args=[target.pk]))
    assert not StudyHoursTarget.objects.filter(cadre=cadre).exists()
    events = list(AuditEvent.objects.filter(event="training.hours_target").values_list("detail", flat=True))
    assert len(events) == 2 and any(d.get("removed") == "24.0" for d in events)


def test_an_unknown_employee_number_or_bad_hours_are_explained_and_nothing_is_set(tree, org_admin, client_of):
    plan = PlanFactory()
    cadre = cadre_user(unit=tree.county_a1).cadre
    client = client_of(org_admin)
    url = reverse("training:hours_targets", args=[plan.pk])
    response = client.post(url, {"employee_number": "NO-SUCH", "hours": "24"})
    assert "工号不存在或不在您的管理范围内" in text(response)
    response = client.post(url, {"employee_number": cadre.employee_number, "hours": "1200"})
    assert response.status_code == 200 and "未作任何修改" in text(response)
    assert not StudyHoursTarget.objects.exists()


def test_a_hours_target_needs_a_plan_for_its_year(tree, org_admin):
    cadre = cadre_user(unit=tree.county_a1).cadre
    with pytest.raises(Exception) as caught:
        se.hours_target_save(actor=org_admin, year=YEAR + 5, cadre=cadre, hours=10)
    assert se.ERR_NO_PLAN in str(caught.value)


# --- Venues ---------------------------------------------------------------------------------------------


def test_the_org_admin_creates_a_venue_and_edits_its_capacity(tree, org_admin, client_of):
    client = client_of(org_admin)
    response = client.post(
        reverse("training:venue_create"),
        {"unit": tree.county_a2.pk, "name": "甲二县分会场", "seats": 80, "allowed_occupancy": 50,
         "latitude": 36.5, "longitude": 117.1, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    venue = Venue.objects.get(name="甲二县分会场")
    assert venue.capacity == 40
    client.post(
        reverse("training:venue_edit", args=[venue.pk]),
        {"name": "甲二县分会场", "seats": 100, "allowed_occupancy": 75, "latitude": 36.5, "longitude": 117.1,
         "is_active": "on", "has_intranet": "on"},
    )  # fmt: skip
    venue.refresh_from_db()
    assert (venue.seats, venue.allowed_occupancy, venue.capacity) == (100, 75, 75)


def test_it_refuses_an_occupancy_over_100_percent_and_keeps_the_venue(tree, org_admin, client_of):
    venue = VenueFactory(unit=tree.county_a1, seats=50, allowed_occupancy=100)
    response = client_of(org_admin).post(
        reverse("training:venue_edit", args=[venue.pk]),
        {
            "name": venue.name,
            "seats": 60,
            "allowed_occupancy": 150,
            "latitude": 0,
            "longitude": 0,
            "has_intranet": "on",
        },
    )
    assert response.status_code == 200 and "未作任何修改" in text(response)
    venue.refresh_from_db()
    assert (venue.seats, venue.allowed_occupancy) == (50, 100)


def test_the_unit_admin_edits_the_seats_of_a_venue_of_their_county_but_not_of_another(tree, county_a1_admin, client_of):
    own = VenueFactory(unit=tree.county_a1, seats=50)
    foreign = VenueFactory(unit=tree.county_b1, seats=50)
    client = client_of(county_a1_admin)
    page = client.get(reverse("training:venue_edit", args=[own.pk]))
    assert page.status_code == 200 and 'name="is_main"' not in text(page) and 'name="has_intranet"' not in text(page)
    client.post(
        reverse("training:venue_edit", args=[own.pk]),
        {"name": own.name, "seats": 70, "allowed_occupancy": 80, "address": "县委大院", "is_active": "on"},
    )
    own.refresh_from_db()
    assert (own.seats, own.allowed_occupancy, own.address) == (70, 80, "县委大院")
    assert client.get(reverse("training:venue_edit", args=[foreign.pk])).status_code == 404
    response = client.post(reverse("training:venue_edit", args=[foreign.pk]), {"name": "x", "seats": 1})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.seats == 50


def test_only_the_org_admin_moves_the_main_venue_or_the_intranet_flag(tree, county_a1_admin, venue_operator_a1):
    venue = VenueFactory(unit=tree.county_a1)
    with pytest.raises(PermissionDenied, match=se.ERR_VENUE_ORG_ONLY):
        se.venue_update(actor=county_a1_admin, venue=venue, name="x", seats=1, allowed_occupancy=100, is_main=True)
    with pytest.raises(PermissionDenied, match=se.ERR_VENUE_ORG_ONLY):
        se.venue_update(
            actor=county_a1_admin, venue=venue, name="x", seats=1, allowed_occupancy=100, has_intranet=False
        )
    with pytest.raises(PermissionDenied, match=se.ERR_VENUE_SCOPE):
        se.venue_update(actor=venue_operator_a1, venue=venue, name="x", seats=1, allowed_occupancy=100)
    venue.refresh_from_db()
    assert venue.name != "x"


def test_switching_off_the_intranet_needs_a_host_city_and_goes_through_the_org_service(tree, org_admin, client_of):
    venue = VenueFactory(unit=tree.county_a1, name="甲一县分会场", seats=40)
    url = reverse("training:venue_edit", args=[venue.pk])
    base = {"name": "甲一县分会场", "seats": 45, "allowed_occupancy": 100, "latitude": 0, "longitude": 0}
    response = client_of(org_admin).post(url, base)  # has_intranet unticked, no host city
    assert org_services.ERR_HOST_REQUIRED in text(response)
    venue.refresh_from_db()
    tree.county_a1.refresh_from_db()
    assert venue.seats == 40 and tree.county_a1.has_intranet  # the whole edit was rolled back
    client_of(org_admin).post(url, {**base, "host_unit": tree.city_a.pk})
    tree.county_a1.refresh_from_db()
    venue.refresh_from_db()
    assert (tree.county_a1.has_intranet, tree.county_a1.host_unit_id, venue.seats) == (False, tree.city_a.pk, 45)
    assert AuditEvent.objects.filter(event="unit.update").exists()
    assert AuditEvent.objects.filter(event="training.venue_save").exists()


def test_the_venue_page_names_its_operators(tree, org_admin, venue_operator_a1, client_of):
    venue = VenueFactory(unit=tree.county_a1)
    page = text(client_of(org_admin).get(reverse("training:venue_edit", args=[venue.pk])))
    assert str(venue_operator_a1) in page
    bare = VenueFactory(unit=tree.county_a2)
    assert "尚未指定" in text(client_of(org_admin).get(reverse("training:venue_edit", args=[bare.pk])))


# --- Quotas ---------------------------------------------------------------------------------------------


def test_the_org_admin_sets_changes_and_removes_a_units_quota(tree, org_admin, client_of):
    cls = ClassFactory()
    client = client_of(org_admin)
    url = reverse("training:quotas", args=[cls.pk])
    client.post(url, {"unit": tree.city_a.pk, "seats": 5})
    assert Quota.objects.get(training_class=cls, unit=tree.city_a).seats == 5
    response = client.post(url, {"unit": tree.city_a.pk, "seats": 8}, follow=True)
    assert Quota.objects.get(training_class=cls, unit=tree.city_a).seats == 8 and "名额已设为8人" in text(response)
    client.post(url, {"unit": tree.city_a.pk, "seats": 0})
    assert not Quota.objects.filter(training_class=cls).exists()


def test_a_quota_below_what_the_unit_has_enrolled_is_refused_with_the_count(tree, org_admin, client_of):
    cls = ClassFactory()
    Quota.objects.create(training_class=cls, unit=tree.city_a, seats=3)
    for _ in range(2):
        EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a1).cadre)
    response = client_of(org_admin).post(
        reverse("training:quotas", args=[cls.pk]), {"unit": tree.city_a.pk, "seats": 1}
    )
    assert ts.ERR_QUOTA_BELOW.format(n=2) in text(response)
    assert Quota.objects.get(training_class=cls).seats == 3
    assert ">2<" in text(response)  # the table shows 2 enrolled against the quota


def test_the_office_director_sets_quotas_of_their_own_class_only(tree, office, office_director, client_of):
    own = ClassFactory(office=office)
    other = ClassFactory()
    client = client_of(office_director)
    client.post(reverse("training:quotas", args=[own.pk]), {"unit": tree.county_b1.pk, "seats": 4})
    assert Quota.objects.filter(training_class=own, unit=tree.county_b1, seats=4).exists()
    assert client.post(
        reverse("training:quotas", args=[other.pk]), {"unit": tree.city_a.pk, "seats": 4}
    ).status_code in (
        403,
        404,
    )
    assert not Quota.objects.filter(training_class=other).exists()


def test_a_unit_admin_may_not_open_the_quota_page(tree, county_a1_admin, client_of):
    cls = ClassFactory()
    assert client_of(county_a1_admin).get(reverse("training:quotas", args=[cls.pk])).status_code == 403


def test_a_venue_list_shows_edit_links_to_those_who_may_edit(tree, county_a1_admin, client_of):
    venue = VenueFactory(unit=tree.county_a1)
    page = text(client_of(county_a1_admin).get(reverse("training:venue_list")))
    assert reverse("training:venue_edit", args=[venue.pk]) in page
    operator = grant(cadre_user(unit=tree.county_a1), Role.VENUE_OPERATOR, tree.county_a1)
    assert reverse("training:venue_edit", args=[venue.pk]) not in text(
        client_of(operator).get(reverse("training:venue_list"))
    )
