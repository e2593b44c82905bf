"""The demo province: real names and counts, valid people, idempotent loading, working demo accounts.

The demo is loaded once for the module inside a transaction that is rolled back at the end, so the
other test modules never see it; each test runs in a savepoint of its own.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.offices.models import OfficeMembership, OfficeRole, ResearchOffice
from peixun.org import idnumber
from peixun.org.demo.loader import load_demo
from peixun.org.demo.offices import DEMO_ACCOUNTS, DEMO_PASSWORD
from peixun.org.demo.plan import build_plan
from peixun.org.models import Cadre, CadreStatus, Unit, UnitKind
from peixun.org.selectors import cadres_visible

pytestmark = pytest.mark.django_db
USERNAMES = [a.username for a in DEMO_ACCOUNTS]


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def logged_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"
    assert response.url != reverse("accounts:login")
    return client


def test_it_has_the_16_cities_and_137_counties_of_shandong():
    kinds = Counter(Unit.objects.values_list("kind", flat=True))
    assert kinds[UnitKind.PROVINCE] == 1
    assert kinds[UnitKind.CITY] == 16
    assert kinds[UnitKind.COUNTY] == 137
    assert 25 <= kinds[UnitKind.DEPARTMENT] <= 40
    assert 15 <= kinds[UnitKind.DISPATCHED] <= 25
    assert 12 <= kinds[UnitKind.ENTERPRISE] <= 20
    assert 15 <= kinds[UnitKind.UNIVERSITY] <= 22
    assert not Unit.objects.filter(name__contains="莱芜市").exists()  # merged into Jinan in 2019


def test_every_county_hangs_under_its_city_and_carries_its_code():
    for county in Unit.objects.filter(kind=UnitKind.COUNTY).select_related("parent"):
        assert county.parent.kind == UnitKind.CITY
        assert county.code[:4] == county.parent.code and len(county.code) == 6
        assert county.name.endswith("纪委监委")
    per_city = Counter(Unit.objects.filter(kind=UnitKind.COUNTY).values_list("parent__name", flat=True))
    assert per_city["济南市纪委监委"] == 12
    assert per_city["青岛市纪委监委"] == 10
    assert per_city["烟台市纪委监委"] == 12
    assert per_city["菏泽市纪委监委"] == 9


def test_yantai_still_has_both_penglai_and_changdao():
    yantai = unit("烟台市纪委监委")
    assert yantai.code == "3706"
    assert unit("蓬莱市纪委监委").parent == yantai
    assert unit("长岛县纪委监委").parent == yantai


def test_the_two_shizhong_districts_are_told_apart():
    assert unit("济南市市中区纪委监委").parent.code == "3701"
    assert unit("枣庄市市中区纪委监委").parent.code == "3704"


def test_paths_and_depths_follow_the_parents():
    units = {u.pk: u for u in Unit.objects.all()}
    for u in units.values():
        parent = units.get(u.parent_id)
        assert u.path == (parent.path if parent else "") + Unit.path_segment(u.pk)
        assert u.depth == (parent.depth + 1 if parent else 0)
    lixia = unit("历下区纪委监委")
    assert Unit.objects.filter(path__startswith=unit("济南市纪委监委").path, pk=lixia.pk).exists()


def test_units_without_intranet_are_hosted_by_the_city_commission_they_are_in():
    offline = Unit.objects.filter(has_intranet=False).select_related("host_unit")
    assert offline.exists()
    for u in offline:
        assert u.kind in (UnitKind.ENTERPRISE, UnitKind.UNIVERSITY)
        assert u.host_unit.kind == UnitKind.CITY
        assert u.host_unit.name[:2] in u.address
    bodies = Unit.objects.filter(kind__in=[UnitKind.ENTERPRISE, UnitKind.UNIVERSITY])
    assert 0.25 <= offline.count() / bodies.count() <= 0.45
    assert not Unit.objects.filter(has_intranet=True, host_unit__isnull=False).exists()
    assert not Unit.objects.filter(address="").exists()
    assert not Unit.objects.filter(contact_phone="").exists()


def test_about_4500_cadres_are_spread_like_the_real_system():
    assert 4300 <= Cadre.objects.count() <= 4700
    sizes = Counter(Cadre.objects.values_list("unit__kind", "unit_id"))
    by_kind: dict[str, list[int]] = {}
    for (kind, _), n in sizes.items():
        by_kind.setdefault(kind, []).append(n)
    assert min(by_kind[UnitKind.CITY]) >= 50 and max(by_kind[UnitKind.CITY]) <= 200
    assert min(by_kind[UnitKind.COUNTY]) >= 10 and max(by_kind[UnitKind.COUNTY]) <= 40
    assert min(by_kind[UnitKind.ENTERPRISE] + by_kind[UnitKind.UNIVERSITY]) >= 5
    assert len(by_kind[UnitKind.COUNTY]) == 137  # nobody's unit is empty
    statuses = Counter(Cadre.objects.values_list("status", flat=True))
    assert statuses[CadreStatus.ACTIVE] / Cadre.objects.count() > 0.95
    assert statuses[CadreStatus.RETIRED] > 0 and statuses[CadreStatus.TRANSFERRED] > 0


def test_leaders_are_older_than_the_newest_staff():
    secretary = Cadre.objects.get(unit__code="37", position__startswith="省纪委书记")
    assert secretary.rank == "bureau_full"
    assert Cadre.objects.filter(rank="clerk", birth_date__lt="1994-01-01").count() == 0
    years = Cadre.objects.values_list("birth_date__year", flat=True)
    assert min(years) >= 1966 and max(years) <= 1999


def test_id_numbers_are_valid_unique_and_match_birth_date_and_gender():
    seen = set()
    for cadre in Cadre.objects.all():
        number = idnumber.decrypt_id_number(cadre.id_number_encrypted)
        assert idnumber.validate_id_number(number) is None
        assert idnumber.birth_date_of(number) == cadre.birth_date
        assert idnumber.gender_of(number) == cadre.gender
        assert cadre.id_number_digest == idnumber.digest_id_number(number)
        assert cadre.id_number_masked == idnumber.mask_id_number(number)
        seen.add(number)
    assert len(seen) == Cadre.objects.count()


def test_every_cadre_has_a_usable_login_that_has_not_expired():
    assert User.objects.filter(cadre__isnull=False).count() == Cadre.objects.count()
    user = User.objects.get(cadre__employee_number="370101010")
    assert user.username == "370101010"
    assert user.check_password(DEMO_PASSWORD)
    assert user.password_changed_at is not None
    # Hashed once: every account carries the very same hash.
    assert User.objects.values("password").distinct().count() == 1


def test_the_11_offices_each_have_one_director_from_the_province_organs():
    assert ResearchOffice.objects.count() == 11
    for office in ResearchOffice.objects.all():
        memberships = list(OfficeMembership.objects.filter(office=office).select_related("cadre__unit"))
        assert 5 <= len(memberships) <= 10
        directors = [m for m in memberships if m.role == OfficeRole.DIRECTOR]
        assert len(directors) == 1
        assert directors[0].cadre.unit.kind in (UnitKind.PROVINCE, UnitKind.DEPARTMENT)
        assert office.field and office.description
        kinds = {m.cadre.unit.kind for m in memberships}
        assert UnitKind.CITY in kinds


def test_the_demo_password_passes_the_password_rules():
    for user in User.objects.filter(username__in=USERNAMES):
        validate_password(DEMO_PASSWORD, user=user)


def test_the_plan_is_the_same_every_time():
    assert build_plan.__wrapped__() == build_plan()


def snapshot() -> tuple[dict[str, int], str]:
    models = (Unit, Cadre, User, RoleGrant, ResearchOffice, OfficeMembership, AuditEvent)
    digest = hashlib.sha256()
    for model in models:
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return {m.__name__: m.objects.count() for m in models}, digest.hexdigest()


def test_a_second_run_changes_nothing(demo):
    assert AuditEvent.objects.filter(event=Event.DEMO_LOAD).count() == 1
    assert demo.created["cadres"] == Cadre.objects.count()
    before = snapshot()
    again = load_demo()
    assert not again.changed
    assert snapshot() == before


def test_a_run_after_a_partial_load_only_fills_the_gaps():
    victim = Cadre.objects.get(employee_number="370202012")
    User.objects.filter(cadre=victim).delete()
    victim.delete()
    result = load_demo()
    assert dict(+result.created) == {"cadres": 1, "accounts": 1}
    assert Cadre.objects.filter(employee_number="370202012").exists()


@pytest.mark.parametrize("username", USERNAMES)
def test_every_demo_account_logs_in_through_the_login_page(username):
    client = logged_in(username)
    assert client.get("/").status_code == 200  # not sent to change an expired password


def test_a_demo_cadre_also_logs_in_with_its_employee_number():
    number = User.objects.get(username="lixia_admin").cadre.employee_number
    logged_in(number)


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("sysadmin", Role.SYSTEM_ADMIN),
        ("secadmin", Role.SECURITY_ADMIN),
        ("auditor", Role.AUDIT_ADMIN),
        ("orgadmin", Role.ORG_ADMIN),
        ("jinan_admin", Role.UNIT_ADMIN),
        ("lixia_admin", Role.UNIT_ADMIN),
        ("shinan_admin", Role.UNIT_ADMIN),
        ("office_director", Role.OFFICE_DIRECTOR),
        ("office_member", Role.OFFICE_MEMBER),
        ("teacher", Role.TEACHER),
        ("lixia_venue", Role.VENUE_OPERATOR),
        ("lixia_trainee", Role.TRAINEE),
    ],
)
def test_each_demo_account_holds_the_role_it_shows(username, role):
    user = User.objects.get(username=username)
    assert user.has_role(role)
    if role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert user.cadre_id is None and user.grants.roles == {role}
    if username == "office_member":
        assert not user.has_role(Role.OFFICE_DIRECTOR)
    if username == "orgadmin":
        assert user.cadre.unit.name == "组织部"


def test_lixia_admin_sees_lixia_cadres_and_no_shinan_cadre():
    client = logged_in("lixia_admin")
    lixia, shinan = unit("历下区纪委监委"), unit("市南区纪委监委")
    own = Cadre.objects.filter(unit=lixia).order_by("employee_number").last()
    foreign = Cadre.objects.filter(unit=shinan).order_by("employee_number").last()
    own_link = reverse("org:cadre_detail", args=[own.pk])
    foreign_link = reverse("org:cadre_detail", args=[foreign.pk])
    page = client.get(reverse("org:cadre_list")).content.decode()
    assert own_link in page and foreign_link not in page
    page = client.get(reverse("org:cadre_list"), {"q": own.employee_number}).content.decode()
    assert f"<td>{own.employee_number}</td>" in page
    page = client.get(reverse("org:cadre_list"), {"q": foreign.employee_number}).content.decode()
    assert f"<td>{foreign.employee_number}</td>" not in page and foreign_link not in page
    assert client.get(reverse("org:cadre_detail", args=[foreign.pk])).status_code == 404
    actor = User.objects.get(username="lixia_admin")
    assert set(cadres_visible(actor=actor).values_list("unit_id", flat=True)) == {lixia.pk}


def test_jinan_admin_sees_its_counties_but_not_qingdao():
    actor = User.objects.get(username="jinan_admin")
    visible = cadres_visible(actor=actor)
    assert visible.filter(unit__name="历下区纪委监委").exists()
    assert visible.filter(unit__name="莱芜区纪委监委").exists()
    assert not visible.filter(unit__name="市南区纪委监委").exists()
    assert not visible.exclude(unit__path__startswith=unit("济南市纪委监委").path).exists()


def test_the_command_prints_the_account_table():
    out = io.StringIO()
    call_command("load_demo", "--quiet", stdout=out)
    text = out.getvalue()
    for username in USERNAMES:
        assert username in text
    assert DEMO_PASSWORD in text and "历下区纪委监委" in text
    assert "干部：" not in text
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "未做任何修改" in out.getvalue()
    assert "县(市、区)纪委监委 137" in out.getvalue()
