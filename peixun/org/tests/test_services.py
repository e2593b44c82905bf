"""Writes to the organisation: the tree (paths, moves, host units) and cadres (scope, ID numbers)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.org import idnumber, selectors, services
from peixun.org.models import Cadre, CadreStatus, Unit, UnitKind
from peixun.org.permissions import ERR_NOT_ALLOWED, ERR_OUT_OF_SCOPE
from peixun.org.tests.test_idnumber import make_id

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1985, 6, 1)


def data(unit: Unit, **changes: object) -> services.CadreData:
    base = services.CadreData(
        employee_number="J0001", name="张伟", gender="M", birth_date=BIRTH, unit=unit, id_number=make_id(BIRTH, "M")
    )
    return dataclasses.replace(base, **changes)


def paths(*units: Unit) -> list[tuple[str, int]]:
    return [(u.path, u.depth) for u in Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("code")]


# --- Units ---------------------------------------------------------------------------------------


def test_a_new_unit_gets_its_path_and_depth_under_its_parent(tree, org_admin):
    unit = services.unit_create(
        actor=org_admin, code="A3", name="甲三县纪委监委", kind=UnitKind.COUNTY, parent=tree.city_a
    )
    assert unit.path == tree.city_a.path + Unit.path_segment(unit.pk)
    assert unit.depth == 2
    assert unit in selectors.units_visible(actor=org_admin)
    assert AuditEvent.objects.filter(event=Event.UNIT_CREATE, object_id=str(unit.pk), actor_id=org_admin.pk).exists()


def test_a_new_county_under_city_a_is_in_the_city_admins_scope_at_once(tree, org_admin, city_a_admin):
    unit = services.unit_create(actor=org_admin, code="A3", name="甲三县", kind=UnitKind.COUNTY, parent=tree.city_a)
    assert unit in selectors.units_visible(actor=city_a_admin)


@pytest.mark.parametrize("role", ["city_a_admin", "system_admin", "security_admin", "audit_admin", "trainee_a1"])
def test_only_the_org_admin_changes_the_tree(request, tree, role):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied) as exc:
        services.unit_create(actor=actor, code="A3", name="甲三县", kind=UnitKind.COUNTY, parent=tree.city_a)
    assert str(exc.value) == ERR_NOT_ALLOWED
    with pytest.raises(PermissionDenied):
        services.unit_update(actor=actor, unit=tree.county_a1, name="改名")
    assert not Unit.objects.filter(code="A3").exists()
    assert Unit.objects.get(pk=tree.county_a1.pk).name == "甲一县纪委监委"


def test_a_unit_code_is_unique(tree, org_admin):
    with pytest.raises(ValidationError) as exc:
        services.unit_create(actor=org_admin, code="A1", name="重复", kind=UnitKind.COUNTY, parent=tree.city_a)
    assert exc.value.message_dict == {"code": [services.ERR_UNIT_CODE_TAKEN]}


def test_every_unit_but_the_province_has_a_parent(tree, org_admin):
    with pytest.raises(ValidationError) as exc:
        services.unit_create(actor=org_admin, code="X", name="孤儿", kind=UnitKind.COUNTY, parent=None)
    assert exc.value.message_dict == {"parent": [services.ERR_PARENT_REQUIRED]}


def test_a_unit_without_intranet_needs_a_city_as_host(tree, org_admin):
    common = {
        "actor": org_admin,
        "name": "某高校纪委",
        "kind": UnitKind.UNIVERSITY,
        "parent": tree.province,
        "has_intranet": False,
    }
    with pytest.raises(ValidationError) as exc:
        services.unit_create(code="U1", **common)
    assert exc.value.message_dict == {"host_unit": [services.ERR_HOST_REQUIRED]}
    with pytest.raises(ValidationError) as exc:
        services.unit_create(code="U1", host_unit=tree.county_a1, **common)
    assert exc.value.message_dict == {"host_unit": [services.ERR_HOST_NOT_CITY]}
    unit = services.unit_create(code="U1", host_unit=tree.city_b, **common)
    assert unit.host_unit == tree.city_b


def test_switching_off_the_intranet_without_a_host_is_refused_and_changes_nothing(tree, org_admin):
    with pytest.raises(ValidationError):
        services.unit_update(actor=org_admin, unit=tree.county_a1, has_intranet=False, name="改名")
    assert Unit.objects.get(pk=tree.county_a1.pk).has_intranet


def test_only_listed_fields_can_be_updated(tree, org_admin):
    with pytest.raises(ValueError, match="path"):
        services.unit_update(actor=org_admin, unit=tree.county_a1, path="000001/")


def test_moving_a_city_moves_its_whole_subtree(tree, org_admin):
    services.unit_update(actor=org_admin, unit=tree.city_a, parent=tree.department)
    d = tree.department.path
    a = d + Unit.path_segment(tree.city_a.pk)
    assert paths(tree.city_a, tree.county_a1, tree.county_a2) == [
        (a, 2),
        (a + Unit.path_segment(tree.county_a1.pk), 3),
        (a + Unit.path_segment(tree.county_a2.pk), 3),
    ]
    assert Unit.objects.get(pk=tree.city_a.pk).parent == tree.department
    # Units outside the moved subtree keep their paths.
    assert paths(tree.city_b, tree.county_b1) == [(tree.city_b.path, 1), (tree.county_b1.path, 2)]
    record = AuditEvent.objects.get(event=Event.UNIT_UPDATE)
    assert "parent" in record.detail["changed"]


def test_a_moved_county_leaves_the_old_citys_scope_and_joins_the_new_one(
    tree, org_admin, city_a_admin, county_b1_admin, trainee_a1
):
    services.unit_update(actor=org_admin, unit=tree.county_a1, parent=tree.city_b)
    assert tree.county_a1 not in selectors.units_visible(actor=city_a_admin)
    assert trainee_a1.cadre not in selectors.cadres_visible(actor=city_a_admin)
    # The county B1 admin is a sibling, not a parent: still nothing.
    assert trainee_a1.cadre not in selectors.cadres_visible(actor=county_b1_admin)


def test_a_unit_cannot_move_under_itself_or_its_descendants(tree, org_admin):
    for target in (tree.city_a, tree.county_a1):
        with pytest.raises(ValidationError) as exc:
            services.unit_update(actor=org_admin, unit=tree.city_a, parent=target, name="改名")
        assert exc.value.message_dict == {"parent": [services.ERR_PARENT_CYCLE]}
    assert Unit.objects.get(pk=tree.city_a.pk).name == "甲市纪委监委"
    assert paths(tree.county_a1) == [(tree.county_a1.path, 2)]


# --- Cadres --------------------------------------------------------------------------------------


def test_a_county_admin_adds_a_cadre_to_its_county_with_an_account(tree, county_a1_admin):
    cadre = services.cadre_create(actor=county_a1_admin, data=data(tree.county_a1))
    assert cadre.unit == tree.county_a1
    account = User.objects.get(cadre=cadre)
    assert account.username == "J0001"
    assert not account.has_usable_password()
    assert AuditEvent.objects.filter(event=Event.CADRE_CREATE, object_id=str(cadre.pk)).exists()


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        ("county_a1_admin", "county_b1"),
        ("county_a1_admin", "city_a"),
        ("county_a1_admin", "county_a2"),
        ("city_a_admin", "county_b1"),
        ("trainee_a1", "county_a1"),
        ("system_admin", "county_a1"),
        ("venue_operator_a1", "county_a1"),
        ("office_director", "department"),
    ],
)
def test_a_cadre_cannot_be_added_outside_the_actors_scope(request, tree, role, unit):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied) as exc:
        services.cadre_create(actor=actor, data=data(getattr(tree, unit)))
    assert str(exc.value) == ERR_OUT_OF_SCOPE
    assert not Cadre.objects.filter(employee_number="J0001").exists()


def test_a_city_admin_adds_cadres_to_its_counties(tree, city_a_admin):
    assert services.cadre_create(actor=city_a_admin, data=data(tree.county_a2)).unit == tree.county_a2


def test_the_id_number_is_stored_encrypted_and_shown_masked(tree, org_admin):
    number = make_id(BIRTH, "M")
    cadre = services.cadre_create(actor=org_admin, data=data(tree.county_a1, id_number=number.lower()))
    assert cadre.id_number_masked == number[:6] + "********" + number[-4:]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM org_cadre WHERE id = %s", [cadre.pk])
        row = [str(v) for v in cursor.fetchone()]
    for value in row:
        assert number not in value.upper()
        assert number[6:14] + number[14:] not in value.upper()
    stored = Cadre.objects.get(pk=cadre.pk)
    assert idnumber.decrypt_id_number(stored.id_number_encrypted) == number
    assert stored.id_number_digest == idnumber.digest_id_number(number)


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        (make_id(BIRTH, "M")[:17] + ("0" if make_id(BIRTH, "M")[17] != "0" else "1"), idnumber.ERR_CHECKSUM),
        ("12345", idnumber.ERR_FORMAT),
        (make_id(dt.date(1990, 1, 1), "M"), services.ERR_ID_BIRTH_MISMATCH),
        (make_id(BIRTH, "F"), services.ERR_ID_GENDER_MISMATCH),
    ],
    ids=["checksum", "format", "birth-date", "gender"],
)
def test_a_bad_id_number_is_refused_with_its_reason(tree, org_admin, id_number, message):
    with pytest.raises(ValidationError) as exc:
        services.cadre_create(actor=org_admin, data=data(tree.county_a1, id_number=id_number))
    assert exc.value.message_dict == {"id_number": [message]}
    assert not Cadre.objects.filter(employee_number="J0001").exists()


def test_an_id_number_and_an_employee_number_belong_to_one_cadre(tree, org_admin):
    services.cadre_create(actor=org_admin, data=data(tree.county_a1))
    with pytest.raises(ValidationError) as exc:
        services.cadre_create(actor=org_admin, data=data(tree.county_a2))
    assert exc.value.message_dict == {
        "employee_number": [services.ERR_EMPLOYEE_NUMBER_TAKEN],
        "id_number": [services.ERR_ID_NUMBER_TAKEN],
    }


def test_a_cadre_moves_only_between_units_the_actor_manages(tree, city_a_admin, county_a1_admin, trainee_a1):
    cadre = trainee_a1.cadre
    with pytest.raises(PermissionDenied):
        services.cadre_update(actor=county_a1_admin, cadre=cadre, data=data(tree.county_a2, id_number=""))
    with pytest.raises(PermissionDenied):
        services.cadre_update(actor=city_a_admin, cadre=cadre, data=data(tree.county_b1, id_number=""))
    assert Cadre.objects.get(pk=cadre.pk).unit == tree.county_a1
    moved = services.cadre_update(
        actor=city_a_admin,
        cadre=cadre,
        data=data(tree.county_a2, employee_number=cadre.employee_number, name=cadre.name, id_number=""),
    )
    assert Cadre.objects.get(pk=moved.pk).unit == tree.county_a2


def test_a_foreign_cadre_cannot_be_updated(tree, county_a1_admin, trainee_b1):
    cadre = trainee_b1.cadre
    with pytest.raises(PermissionDenied):
        services.cadre_update(actor=county_a1_admin, cadre=cadre, data=data(tree.county_a1, id_number=""))
    assert Cadre.objects.get(pk=cadre.pk).unit == tree.county_b1


def test_a_new_employee_number_renames_the_login(tree, org_admin, trainee_a1):
    cadre = trainee_a1.cadre
    services.cadre_update(actor=org_admin, cadre=cadre, data=data(cadre.unit, employee_number="NEW01", name=cadre.name))
    assert User.objects.get(pk=trainee_a1.pk).username == "NEW01"
    record = AuditEvent.objects.get(event=Event.CADRE_UPDATE)
    assert {"employee_number", "id_number"} <= set(record.detail["changed"])


def test_an_update_keeps_the_cadres_own_id_number(tree, org_admin):
    cadre = services.cadre_create(actor=org_admin, data=data(tree.county_a1))
    services.cadre_update(actor=org_admin, cadre=cadre, data=data(tree.county_a1, position="副主任"))
    assert Cadre.objects.get(pk=cadre.pk).position == "副主任"


def test_the_status_changes_within_scope_only_and_is_audited(tree, county_a1_admin, trainee_a1, trainee_b1):
    services.cadre_set_status(actor=county_a1_admin, cadre=trainee_a1.cadre, status=CadreStatus.SECONDED, reason="挂职")
    assert Cadre.objects.get(pk=trainee_a1.cadre.pk).status == CadreStatus.SECONDED
    record = AuditEvent.objects.get(event=Event.CADRE_UPDATE)
    assert (record.detail["before"], record.detail["after"]) == ("active", "seconded")
    with pytest.raises(PermissionDenied):
        services.cadre_set_status(actor=county_a1_admin, cadre=trainee_b1.cadre, status=CadreStatus.RETIRED)
    assert Cadre.objects.get(pk=trainee_b1.cadre.pk).status == CadreStatus.ACTIVE
