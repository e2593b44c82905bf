"""The scoped reads the pages and the API share: the venue an operator runs, a certificate, the default
unit of the coverage figures, and who may see coverage at all."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from peixun.org.tests.factories import cadre_user
from peixun.training import selectors
from peixun.training.models import CheckIn, ClassStatus
from peixun.training.permissions import ERR_NOT_ALLOWED, may_see_coverage
from peixun.training.services_results import certificate_issue
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory


def test_an_operator_gets_their_own_venue_and_is_refused_another(tree, org_admin, venue_operator_a1):
    own, other = VenueFactory(unit=tree.county_a1), VenueFactory(unit=tree.county_b1)
    assert selectors.operated_venue_get(actor=venue_operator_a1, pk=own.pk) == own
    with pytest.raises(PermissionDenied) as err:
        selectors.operated_venue_get(actor=venue_operator_a1, pk=other.pk)
    assert str(err.value) == ERR_NOT_ALLOWED
    assert selectors.operated_venue_get(actor=org_admin, pk=other.pk) == other
    with pytest.raises(Http404):
        selectors.operated_venue_get(actor=org_admin, pk=other.pk + 1000)


def test_a_certificate_is_its_holders_and_their_admins_only(
    tree, org_admin, trainee_a1, county_a1_admin, county_b1_admin
):
    cls = ClassFactory(status=ClassStatus.FINISHED)
    lecture = LectureFactory(training_class=cls)
    e = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    CheckIn.objects.create(lecture=lecture, enrolment=e, cadre=e.cadre, status="present", method="qr", study_hours=2)
    cert = certificate_issue(actor=org_admin, enrolment=e)
    for reader in (trainee_a1, county_a1_admin, org_admin):
        assert selectors.certificate_get(actor=reader, pk=cert.pk) == cert
    for stranger in (county_b1_admin, cadre_user(unit=tree.county_a1)):
        with pytest.raises(Http404):
            selectors.certificate_get(actor=stranger, pk=cert.pk)


def test_coverage_defaults_to_the_top_of_the_actors_scope(tree, org_admin, county_a1_admin, trainee_a1):
    assert selectors.coverage_unit_id(actor=org_admin) == tree.province.pk
    assert selectors.coverage_unit_id(actor=county_a1_admin) == tree.county_a1.pk
    assert selectors.coverage_unit_id(actor=county_a1_admin, unit_id=tree.county_b1.pk) == tree.county_b1.pk
    with pytest.raises(Http404):
        selectors.coverage_unit_id(actor=trainee_a1)


def test_only_admins_may_see_coverage(org_admin, county_a1_admin, trainee_a1, teacher):
    assert may_see_coverage(org_admin) and may_see_coverage(county_a1_admin)
    assert not may_see_coverage(trainee_a1) and not may_see_coverage(teacher)
