"""The membership page: scoped search, add with a role, role changes, removal, and the office's history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.offices import selectors, services
from peixun.offices.models import MembershipChangeKind, OfficeMembership, OfficeMembershipChange, OfficeRole
from peixun.org.models import CadreStatus
from peixun.org.tests.factories import CadreFactory, UnitFactory, cadre_user
from peixun.teachers.models import TeacherStatus
from peixun.teachers.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pool_teacher(tree):
    cadre = CadreFactory(unit=tree.county_b1, name="库内教师甲")
    TeacherFactory(cadre=cadre)
    return cadre


@pytest.fixture
def stranger(tree):
    return CadreFactory(unit=tree.county_b1, name="库外干部乙")


def _names(qs) -> set[str]:
    return {c.name for c in qs}


def test_the_org_admin_finds_any_active_cadre_by_name_number_or_username(org_admin, office, tree, stranger):
    retired = CadreFactory(unit=tree.county_b1, name="库外干部丙", status=CadreStatus.RETIRED)
    assert _names(selectors.member_candidates(actor=org_admin, office=office, query="库外干部")) == {"库外干部乙"}
    by_number = selectors.member_candidates(actor=org_admin, office=office, query=stranger.employee_number)
    assert list(by_number) == [stranger]
    user = cadre_user(unit=tree.city_a, name="按用户名")
    assert list(selectors.member_candidates(actor=org_admin, office=office, query=user.username)) == [user.cadre]
    assert retired not in selectors.member_candidates(actor=org_admin, office=office, query="丙")


def test_a_director_searches_only_the_pool_and_their_own_unit(office_director, office, tree, pool_teacher, stranger):
    colleague = CadreFactory(unit=office_director.cadre.unit, name="同单位干部")
    suspended = CadreFactory(unit=tree.county_b1, name="库内教师停")
    TeacherFactory(cadre=suspended, status=TeacherStatus.SUSPENDED)
    assert _names(selectors.member_candidates(actor=office_director, office=office, query="库")) == {"库内教师甲"}
    assert list(selectors.member_candidates(actor=office_director, office=office, query="同单位")) == [colleague]
    assert not selectors.member_candidates(actor=office_director, office=office, query=stranger.employee_number)


def test_the_search_leaves_out_existing_members_and_answers_nothing_to_an_empty_query(org_admin, office, office_member):
    assert not selectors.member_candidates(actor=org_admin, office=office, query=office_member.cadre.name)
    assert not selectors.member_candidates(actor=org_admin, office=office, query="  ")


def test_a_member_may_not_search(office_member, office, pool_teacher):
    assert not selectors.member_candidates(actor=office_member, office=office, query="库内")


def test_a_director_adds_and_removes_an_ordinary_member_with_history(office_director, office, pool_teacher):
    services.office_member_add(actor=office_director, office=office, cadre=pool_teacher, reason="讲授信访业务")
    assert OfficeMembership.objects.get(office=office, cadre=pool_teacher).role == OfficeRole.MEMBER
    services.office_member_remove(actor=office_director, office=office, cadre=pool_teacher, reason="工作调动")
    rows = list(OfficeMembershipChange.objects.filter(office=office).order_by("id"))
    assert [(r.kind, r.role, r.previous_role, r.reason) for r in rows] == [
        (MembershipChangeKind.ADD, OfficeRole.MEMBER, "", "讲授信访业务"),
        (MembershipChangeKind.REMOVE, "", OfficeRole.MEMBER, "工作调动"),
    ]
    assert rows[0].actor == office_director and rows[0].employee_number == pool_teacher.employee_number
    assert AuditEvent.objects.filter(event=Event.OFFICE_MEMBER_REMOVE, actor=office_director).count() == 1


def test_a_director_may_not_appoint_or_dismiss_a_director(office_director, office, pool_teacher, org_admin):
    with pytest.raises(PermissionDenied) as exc:
        services.office_member_add(actor=office_director, office=office, cadre=pool_teacher, role=OfficeRole.DIRECTOR)
    assert str(exc.value) == services.ERR_DIRECTOR_ORG_ONLY
    with pytest.raises(PermissionDenied):
        services.office_director_set(actor=office_director, office=office, cadre=pool_teacher)
    with pytest.raises(PermissionDenied):
        services.office_member_remove(actor=office_director, office=office, cadre=office_director.cadre)
    assert not OfficeMembershipChange.objects.exists()


def test_a_director_may_not_add_a_cadre_out_of_reach(office_director, office, stranger):
    with pytest.raises(PermissionDenied) as exc:
        services.office_member_add(actor=office_director, office=office, cadre=stranger)
    assert str(exc.value) == services.ERR_OUT_OF_REACH
    assert not OfficeMembership.objects.filter(cadre=stranger).exists()


def test_a_director_of_another_office_may_not_touch_this_one(director_b, office, pool_teacher):
    with pytest.raises(PermissionDenied) as exc:
        services.office_member_add(actor=director_b, office=office, cadre=pool_teacher)
    assert str(exc.value) == services.ERR_NOT_ALLOWED


def test_the_org_admin_changes_roles_and_the_history_shows_both_sides(
    org_admin, office, office_director, office_member
):
    services.office_member_role_set(actor=org_admin, office=office, cadre=office_member.cadre, role="director")
    roles = dict(OfficeMembership.objects.filter(office=office).values_list("cadre_id", "role"))
    assert roles == {office_member.cadre_id: "director", office_director.cadre_id: "member"}
    services.office_member_role_set(actor=org_admin, office=office, cadre=office_member.cadre, role="member")
    assert not OfficeMembership.objects.filter(office=office, role="director").exists()
    changes = list(OfficeMembershipChange.objects.order_by("id").values_list("cadre_name", "previous_role", "role"))
    assert changes == [
        (office_director.cadre.name, "director", "member"),
        (office_member.cadre.name, "member", "director"),
        (office_member.cadre.name, "director", "member"),
    ]


def test_a_role_change_refuses_a_non_member_the_same_role_and_a_bad_role(org_admin, office, office_member, tree):
    cases = [
        (CadreFactory(unit=tree.city_a), "member", {"cadre": [services.ERR_NOT_MEMBER]}),
        (office_member.cadre, "member", {"role": [services.ERR_SAME_ROLE]}),
        (office_member.cadre, "chair", {"role": [services.ERR_BAD_ROLE]}),
    ]
    for cadre, role, expected in cases:
        with pytest.raises(ValidationError) as exc:
            services.office_member_role_set(actor=org_admin, office=office, cadre=cadre, role=role)
        assert exc.value.message_dict == expected
    assert not OfficeMembershipChange.objects.exists()


def test_it_refuses_an_overlong_reason_and_changes_nothing(org_admin, office, stranger):
    with pytest.raises(ValidationError) as exc:
        services.office_member_add(actor=org_admin, office=office, cadre=stranger, reason="长" * 201)
    assert exc.value.message_dict == {"reason": [services.ERR_REASON_LONG]}
    assert not OfficeMembership.objects.filter(cadre=stranger).exists()


# --- The page ------------------------------------------------------------------------------------------------


def test_the_page_lists_members_and_history_and_offers_management_to_the_director(
    client_of, office_director, office_member, office
):
    body = client_of(office_director).get(f"/offices/{office.pk}/members/").content.decode()
    assert office_member.cadre.name in body and "变动记录" in body and "增加成员" in body
    assert 'name="role"' not in body  # a director picks no roles
    member_view = client_of(office_member).get(f"/offices/{office.pk}/members/").content.decode()
    assert office_member.cadre.name in member_view and "增加成员" not in member_view


def test_the_search_partial_shows_candidates_with_an_add_button(client_of, org_admin, office, stranger):
    response = client_of(org_admin).get(f"/offices/{office.pk}/members/search/", {"q": "库外"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and stranger.employee_number in body and "加入" in body


def test_a_member_gets_403_from_the_search(client_of, office_member, office):
    assert client_of(office_member).get(f"/offices/{office.pk}/members/search/", {"q": "干部"}).status_code == 403


def test_an_htmx_add_returns_the_panel_with_the_new_member_and_the_history(client_of, org_admin, office, stranger):
    response = client_of(org_admin).post(
        f"/offices/{office.pk}/members/add/", {"cadre": stranger.pk, "role": "member", "reason": "充实力量"}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{stranger.name}已加入本教研室" in body and "充实力量" in body and 'hx-swap-oob="true"' in body


def test_an_htmx_add_without_a_cadre_shows_the_chinese_message_and_adds_nothing(client_of, org_admin, office):
    before = OfficeMembership.objects.count()
    response = client_of(org_admin).post(f"/offices/{office.pk}/members/add/", {"cadre": "", "role": "member"}, **HX)
    assert response.status_code == 200 and "请先搜索并选择要加入的干部" in response.content.decode()
    assert OfficeMembership.objects.count() == before


def test_adding_a_second_director_through_the_page_replaces_the_first(client_of, org_admin, office, office_director):
    newcomer = CadreFactory(unit=UnitFactory(), name="新主任")
    client_of(org_admin).post(f"/offices/{office.pk}/members/add/", {"cadre": newcomer.pk, "role": "director"})
    assert OfficeMembership.objects.get(office=office, role="director").cadre == newcomer
    assert OfficeMembership.objects.get(office=office, cadre=office_director.cadre).role == "member"


def test_the_role_and_remove_buttons_work_without_htmx(client_of, org_admin, office, office_member):
    client = client_of(org_admin)
    url = f"/offices/{office.pk}/members/{office_member.cadre_id}/"
    assert client.post(url + "role/", {"role": "director"}).status_code == 302
    assert OfficeMembership.objects.get(office=office, cadre=office_member.cadre).role == "director"
    response = client.post(url + "remove/", {"reason": "到龄"}, follow=True)
    assert f"{office_member.cadre.name}已移出本教研室" in response.content.decode()
    assert not OfficeMembership.objects.filter(office=office, cadre=office_member.cadre).exists()


def test_removing_someone_who_is_not_a_member_is_a_404(client_of, org_admin, office, stranger):
    assert client_of(org_admin).post(f"/offices/{office.pk}/members/{stranger.pk}/remove/").status_code == 404


def test_the_members_page_stays_within_a_fixed_number_of_queries(
    client_of, org_admin, office, tree, django_assert_max_num_queries
):
    for i in range(15):
        services.office_member_add(
            actor=org_admin, office=office, cadre=CadreFactory(unit=tree.city_a, name=f"成员{i}")
        )
    client = client_of(org_admin)
    client.get(f"/offices/{office.pk}/members/")
    with django_assert_max_num_queries(15):
        assert client.get(f"/offices/{office.pk}/members/").status_code == 200
