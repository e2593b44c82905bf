from __future__ import annotations

import pytest

from peixun.offices.models import OfficeMembership, OfficeRole, ResearchOffice
from peixun.org.tests.factories import cadre_user


@pytest.fixture
def office_b(tree) -> ResearchOffice:
    return ResearchOffice.objects.create(code="XF", name="信访举报教研室", field="信访举报", sort_order=3)


@pytest.fixture
def author(office, tree):
    user = cadre_user(unit=tree.department, name="主备人")
    OfficeMembership.objects.create(office=office, cadre=user.cadre, role=OfficeRole.MEMBER)
    return user


@pytest.fixture
def member_b(office_b, tree):
    user = cadre_user(unit=tree.county_b1, name="乙室成员")
    OfficeMembership.objects.create(office=office_b, cadre=user.cadre, role=OfficeRole.MEMBER)
    return user


@pytest.fixture
def director_b(office_b, tree):
    user = cadre_user(unit=tree.city_b, name="乙室主任")
    OfficeMembership.objects.create(office=office_b, cadre=user.cadre, role=OfficeRole.DIRECTOR)
    return user
