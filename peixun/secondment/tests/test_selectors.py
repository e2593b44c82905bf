"""Scopes: the receiving admin sees only its secondees, the sending admin its own cadres, the org dept all."""

from __future__ import annotations

import pytest

from peixun.org.tests.factories import cadre_user, grant
from peixun.secondment import selectors
from peixun.secondment.models import BatchStatus, Stage
from peixun.secondment.tests.factories import BatchFactory, SecondmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise_admin(tree):
    return grant(cadre_user(unit=tree.enterprise, name="集团纪委管理员"), "unit_admin", tree.enterprise)


@pytest.fixture
def rows(batch, tree, trainee_a1, trainee_b1):
    b1 = SecondmentFactory(batch=batch, cadre=trainee_b1.cadre, stage=Stage.IN_PROGRESS, receiving_unit=tree.enterprise)
    a1 = SecondmentFactory(batch=batch, cadre=trainee_a1.cadre, stage=Stage.APPROVED, receiving_unit=tree.enterprise)
    return b1, a1


def test_the_org_admin_sees_every_secondment(rows, org_admin):
    assert set(selectors.secondments_visible(actor=org_admin)) == set(rows)


def test_a_sending_admin_sees_its_own_cadres_only(rows, county_a1_admin, city_a_admin, county_b1_admin):
    b1, a1 = rows
    assert list(selectors.secondments_visible(actor=county_a1_admin)) == [a1]
    assert list(selectors.secondments_visible(actor=city_a_admin)) == [a1]
    assert list(selectors.secondments_visible(actor=county_b1_admin)) == [b1]


def test_a_receiving_admin_sees_its_secondees_once_placed(rows, enterprise_admin):
    b1, _a1 = rows
    # A1's candidate is only proposed (approved, not confirmed): not yet the enterprise's business.
    assert list(selectors.secondments_visible(actor=enterprise_admin)) == [b1]


def test_a_cadre_sees_its_own_and_other_roles_nothing(rows, trainee_b1, teacher, system_admin, audit_admin):
    assert list(selectors.secondments_visible(actor=trainee_b1)) == [rows[0]]
    for user in (teacher, system_admin, audit_admin):
        assert not selectors.secondments_visible(actor=user).exists()


def test_draft_batches_are_for_the_org_department_only(tree, org_admin, trainee_a1):
    draft = BatchFactory(status=BatchStatus.DRAFT)
    assert draft in selectors.batches_visible(actor=org_admin)
    assert draft not in selectors.batches_visible(actor=trainee_a1)


def test_sanctions_are_visible_to_the_cadres_unit_admins_only(
    tree, trainee_b1, county_b1_admin, county_a1_admin, org_admin
):
    import datetime as dt

    from peixun.secondment.models import DisciplinarySanction

    s = DisciplinarySanction.objects.create(cadre=trainee_b1.cadre, kind="警告", start_date=dt.date(2025, 1, 1))
    assert list(selectors.sanctions_visible(actor=county_b1_admin)) == [s]
    assert list(selectors.sanctions_visible(actor=org_admin)) == [s]
    assert not selectors.sanctions_visible(actor=county_a1_admin).exists()
    assert not selectors.sanctions_visible(actor=trainee_b1).exists()
