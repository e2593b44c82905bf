"""Role fixtures shared by every app's tests.

The tree: province P with a department D; city A (counties A1, A2) and city B (county B1).
Each role fixture is a logged-in-able user; `client_of(user)` gives a Django test client for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.offices.models import OfficeMembership, OfficeRole, ResearchOffice
from peixun.org.models import Unit, UnitKind
from peixun.org.tests.factories import UnitFactory, UserFactory, cadre_user, grant


@pytest.fixture(autouse=True)
def _plain_http(settings) -> None:
    """Tests speak plain HTTP to the app; production defaults insist on HTTPS."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@dataclass
class Tree:
    province: Unit
    department: Unit
    city_a: Unit
    county_a1: Unit
    county_a2: Unit
    city_b: Unit
    county_b1: Unit
    enterprise: Unit


def make_tree() -> Tree:
    province = UnitFactory(code="P", name="省纪委监委", kind=UnitKind.PROVINCE)
    department = UnitFactory(code="P-D", name="组织部", kind=UnitKind.DEPARTMENT, parent=province)
    city_a = UnitFactory(code="A", name="甲市纪委监委", kind=UnitKind.CITY, parent=province)
    county_a1 = UnitFactory(code="A1", name="甲一县纪委监委", kind=UnitKind.COUNTY, parent=city_a)
    county_a2 = UnitFactory(code="A2", name="甲二县纪委监委", kind=UnitKind.COUNTY, parent=city_a)
    city_b = UnitFactory(code="B", name="乙市纪委监委", kind=UnitKind.CITY, parent=province)
    county_b1 = UnitFactory(code="B1", name="乙一县纪委监委", kind=UnitKind.COUNTY, parent=city_b)
    enterprise = UnitFactory(
        code="E", name="某集团纪委", kind=UnitKind.ENTERPRISE, parent=province, has_intranet=False, host_unit=city_a
    )
    return Tree(province, department, city_a, county_a1, county_a2, city_b, county_b1, enterprise)


def make_office() -> ResearchOffice:
    return ResearchOffice.objects.create(code="ZH", name="综合工作教研室", field="综合工作", sort_order=1)


def _office_user(office: ResearchOffice, unit: Unit, name: str, role: str) -> User:
    user = cadre_user(unit=unit, name=name)
    OfficeMembership.objects.create(office=office, cadre=user.cadre, role=role)
    return user


# One builder per role fixture, so that a module-scoped world (the scope matrix) can make the same users.
ROLE_BUILDERS: dict[str, Callable[[Tree, ResearchOffice], User]] = {
    "org_admin": lambda t, o: grant(cadre_user(unit=t.department, name="组织部管理员"), Role.ORG_ADMIN),
    "system_admin": lambda t, o: grant(UserFactory(username="sysadmin", display_name="系统管理员"), Role.SYSTEM_ADMIN),
    "security_admin": lambda t, o: grant(
        UserFactory(username="secadmin", display_name="安全管理员"), Role.SECURITY_ADMIN
    ),
    "audit_admin": lambda t, o: grant(UserFactory(username="auditor", display_name="安全审计员"), Role.AUDIT_ADMIN),
    "city_a_admin": lambda t, o: grant(cadre_user(unit=t.city_a, name="甲市管理员"), Role.UNIT_ADMIN, t.city_a),
    "county_a1_admin": lambda t, o: grant(
        cadre_user(unit=t.county_a1, name="甲一县管理员"), Role.UNIT_ADMIN, t.county_a1
    ),
    "county_b1_admin": lambda t, o: grant(
        cadre_user(unit=t.county_b1, name="乙一县管理员"), Role.UNIT_ADMIN, t.county_b1
    ),
    "trainee_a1": lambda t, o: cadre_user(unit=t.county_a1, name="甲一县学员"),
    "trainee_b1": lambda t, o: cadre_user(unit=t.county_b1, name="乙一县学员"),
    "teacher": lambda t, o: grant(cadre_user(unit=t.department, name="教师"), Role.TEACHER),
    "venue_operator_a1": lambda t, o: grant(
        cadre_user(unit=t.county_a1, name="甲一县分会场管理员"), Role.VENUE_OPERATOR, t.county_a1
    ),
    "office_director": lambda t, o: _office_user(o, t.department, "教研室主任", OfficeRole.DIRECTOR),
    "office_member": lambda t, o: _office_user(o, t.city_a, "教研室成员", OfficeRole.MEMBER),
}


@pytest.fixture
def tree(db: None) -> Tree:
    return make_tree()


@pytest.fixture
def office(tree: Tree) -> ResearchOffice:
    return make_office()


def _role_fixture(role: str, needs_office: bool = False):  # type: ignore[no-untyped-def]
    if needs_office:

        def fixture(tree: Tree, office: ResearchOffice) -> User:
            return ROLE_BUILDERS[role](tree, office)

    else:

        def fixture(tree: Tree) -> User:
            return ROLE_BUILDERS[role](tree, None)  # type: ignore[arg-type]

    fixture.__name__ = role
    return pytest.fixture(fixture)


org_admin = _role_fixture("org_admin")
system_admin = _role_fixture("system_admin")
security_admin = _role_fixture("security_admin")
audit_admin = _role_fixture("audit_admin")
city_a_admin = _role_fixture("city_a_admin")
county_a1_admin = _role_fixture("county_a1_admin")
county_b1_admin = _role_fixture("county_b1_admin")
trainee_a1 = _role_fixture("trainee_a1")
trainee_b1 = _role_fixture("trainee_b1")
teacher = _role_fixture("teacher")
venue_operator_a1 = _role_fixture("venue_operator_a1")
office_director = _role_fixture("office_director", needs_office=True)
office_member = _role_fixture("office_member", needs_office=True)


@pytest.fixture
def client_of() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
