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


@pytest.fixture
def tree(db: None) -> Tree:
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


@pytest.fixture
def office(tree: Tree) -> ResearchOffice:
    return ResearchOffice.objects.create(code="ZH", name="综合工作教研室", field="综合工作", sort_order=1)


@pytest.fixture
def org_admin(tree: Tree) -> User:
    return grant(cadre_user(unit=tree.department, name="组织部管理员"), Role.ORG_ADMIN)


@pytest.fixture
def system_admin(tree: Tree) -> User:
    return grant(UserFactory(username="sysadmin", display_name="系统管理员"), Role.SYSTEM_ADMIN)


@pytest.fixture
def security_admin(tree: Tree) -> User:
    return grant(UserFactory(username="secadmin", display_name="安全管理员"), Role.SECURITY_ADMIN)


@pytest.fixture
def audit_admin(tree: Tree) -> User:
    return grant(UserFactory(username="auditor", display_name="安全审计员"), Role.AUDIT_ADMIN)


@pytest.fixture
def city_a_admin(tree: Tree) -> User:
    return grant(cadre_user(unit=tree.city_a, name="甲市管理员"), Role.UNIT_ADMIN, tree.city_a)


@pytest.fixture
def county_a1_admin(tree: Tree) -> User:
    return grant(cadre_user(unit=tree.county_a1, name="甲一县管理员"), Role.UNIT_ADMIN, tree.county_a1)


@pytest.fixture
def county_b1_admin(tree: Tree) -> User:
    return grant(cadre_user(unit=tree.county_b1, name="乙一县管理员"), Role.UNIT_ADMIN, tree.county_b1)


@pytest.fixture
def trainee_a1(tree: Tree) -> User:
    return cadre_user(unit=tree.county_a1, name="甲一县学员")


@pytest.fixture
def trainee_b1(tree: Tree) -> User:
    return cadre_user(unit=tree.county_b1, name="乙一县学员")


@pytest.fixture
def teacher(tree: Tree) -> User:
    return grant(cadre_user(unit=tree.department, name="教师"), Role.TEACHER)


@pytest.fixture
def venue_operator_a1(tree: Tree) -> User:
    return grant(cadre_user(unit=tree.county_a1, name="甲一县分会场管理员"), Role.VENUE_OPERATOR, tree.county_a1)


@pytest.fixture
def office_director(office: ResearchOffice, tree: Tree) -> User:
    user = cadre_user(unit=tree.department, name="教研室主任")
    OfficeMembership.objects.create(office=office, cadre=user.cadre, role=OfficeRole.DIRECTOR)
    return user


@pytest.fixture
def office_member(office: ResearchOffice, tree: Tree) -> User:
    user = cadre_user(unit=tree.city_a, name="教研室成员")
    OfficeMembership.objects.create(office=office, cadre=user.cadre, role=OfficeRole.MEMBER)
    return user


@pytest.fixture
def client_of() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
