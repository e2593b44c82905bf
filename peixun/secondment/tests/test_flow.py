"""Placement in the database, the time in the receiving unit, the appraisal and the return."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.org.models import CadreStatus
from peixun.org.tests.factories import cadre_user, grant
from peixun.secondment import placement as pl
from peixun.secondment import services, services_during, services_placement
from peixun.secondment.models import BatchStatus, Channel, FinalRating, Secondment, Stage
from peixun.secondment.tests.conftest import with_service

pytestmark = pytest.mark.django_db


def approve(s, unit_admin, org_admin):
    services.secondment_unit_review(
        actor=unit_admin,
        secondment=s,
        approve=True,
        opinion="同意",
        political_assessment="政治坚定",
        work_assessment="工作扎实",
    )
    return services.secondment_org_review(actor=org_admin, secondment=s, approve=True)


@pytest.fixture
def approved(batch, posts, tree, org_admin, county_b1_admin, county_a1_admin, trainee_b1, trainee_a1):
    """Two county cadres (B1, A1) approved; B1 prefers the enterprise post, A1 the university post."""
    with_service(trainee_b1, trainee_a1)
    b = services.secondment_apply(
        actor=trainee_b1, batch=batch, statement="x", preferences=[posts[0], posts[1]], skills=["审查调查", "财务"]
    )
    a = services.secondment_nominate(
        actor=county_a1_admin, batch=batch, cadre=trainee_a1.cadre, channel=Channel.MOBILISED, preferences=[posts[1]]
    )
    return approve(b, county_b1_admin, org_admin), approve(a, county_a1_admin, org_admin)


@pytest.fixture
def enterprise_admin(tree):
    return grant(cadre_user(unit=tree.enterprise, name="集团纪委管理员"), "unit_admin", tree.enterprise)


def test_the_optimiser_places_the_approved_candidates_and_explains(batch, posts, approved, org_admin):
    result = services_placement.placement_run(actor=org_admin, batch=batch)
    b, a = (Secondment.objects.get(pk=s.pk) for s in approved)
    assert (b.post, a.post) == (posts[0], posts[1])
    assert b.receiving_unit == posts[0].receiving_unit
    assert b.placement_note.startswith("第一志愿；专业匹配 2/2")
    assert result.objective > 2 * pl.PLACED_BONUS
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PLACING


def test_a_hand_placement_keeps_the_rules_and_survives_a_rerun(batch, posts, approved, org_admin):
    b, _a = approved
    with pytest.raises(ValidationError) as e:
        services_placement.placement_set(actor=org_admin, secondment=b, post=posts[2])  # county → county
    assert e.value.message_dict == {"post": [pl.WHY_MATRIX]}
    services_placement.placement_set(actor=org_admin, secondment=b, post=posts[1])
    services_placement.placement_run(actor=org_admin, batch=batch)
    b.refresh_from_db()
    assert b.pinned and b.post == posts[1] and b.placement_note.startswith("人工指定；第二志愿")


def test_a_hand_placement_into_a_full_post_moves_a_proposal_out_never_a_pin(
    batch, posts, approved, org_admin, trainee_b1
):
    b, a = approved
    services_placement.placement_run(actor=org_admin, batch=batch)
    services_placement.placement_set(actor=org_admin, secondment=a, post=posts[0])  # b was proposed there
    b.refresh_from_db()
    assert b.post is None and b.placement_note == services_placement.MOVED_OUT
    with pytest.raises(ValidationError) as e:
        services_placement.placement_set(actor=org_admin, secondment=b, post=posts[0])
    assert e.value.message_dict == {"post": [services_placement.ERR_POST_FULL]}


def test_only_the_org_department_places(batch, approved, county_b1_admin):
    with pytest.raises(PermissionDenied):
        services_placement.placement_run(actor=county_b1_admin, batch=batch)


def run_to_start(batch, org_admin):
    services_placement.placement_run(actor=org_admin, batch=batch)
    services_placement.placement_confirm(actor=org_admin, batch=batch)
    services_placement.batch_start(actor=org_admin, batch=batch)


def test_starting_marks_the_cadres_seconded_and_returning_makes_them_active(
    batch, posts, approved, org_admin, enterprise_admin, county_b1_admin, trainee_b1, county_a1_admin
):
    run_to_start(batch, org_admin)
    b = Secondment.objects.get(pk=approved[0].pk)
    assert b.stage == Stage.IN_PROGRESS and b.started_at == batch.start_date
    trainee_b1.cadre.refresh_from_db()
    assert trainee_b1.cadre.status == CadreStatus.SECONDED
    # The receiving unit assesses; the sending unit cannot.
    services_during.assessment_record(
        actor=enterprise_admin,
        secondment=b,
        period_kind="month",
        period="2026-03",
        rating="excellent",
        comment="表现突出",
        days_present=21,
    )
    with pytest.raises(PermissionDenied):
        services_during.assessment_record(
            actor=county_b1_admin, secondment=b, period_kind="month", period="2026-04", rating="good"
        )
    with pytest.raises(ValidationError) as e:
        services_during.assessment_record(
            actor=enterprise_admin, secondment=b, period_kind="month", period="2026-03", rating="good"
        )
    assert e.value.message_dict == {"period": [services_during.ERR_PERIOD_TAKEN]}
    with pytest.raises(ValidationError) as e:
        services_during.assessment_record(
            actor=enterprise_admin, secondment=b, period_kind="quarter", period="2026-04", rating="good"
        )
    assert e.value.message_dict == {"period": [services_during.ERR_PERIOD_FORMAT]}
    # Both units record liaison; a third unit cannot.
    services_during.liaison_record(
        actor=county_b1_admin, secondment=b, date=dt.date(2026, 4, 1), form="phone", content="了解近况"
    )
    lia = services_during.liaison_record(
        actor=enterprise_admin, secondment=b, date=dt.date(2026, 4, 2), form="visit", content="回访"
    )
    assert lia.recorded_for == b.receiving_unit
    with pytest.raises(PermissionDenied):
        services_during.liaison_record(
            actor=county_a1_admin, secondment=b, date=dt.date(2026, 4, 2), form="visit", content="x"
        )
    # The secondee keeps a log and writes a summary; nobody else can.
    services_during.worklog_add(actor=trainee_b1, secondment=b, date=dt.date(2026, 3, 5), content="参与审查")
    with pytest.raises(PermissionDenied):
        services_during.worklog_add(actor=enterprise_admin, secondment=b, date=dt.date(2026, 3, 5), content="x")
    services_during.summary_submit(actor=trainee_b1, secondment=b, summary="收获很大")
    # No return before the appraisal and the sending unit's opinion.
    with pytest.raises(ValidationError) as e:
        services_during.secondment_return(actor=county_b1_admin, secondment=b)
    assert e.value.message_dict == {"final_rating": [services_during.ERR_APPRAISAL_MISSING]}
    with pytest.raises(PermissionDenied):
        services_during.appraisal_record(actor=county_b1_admin, secondment=b, rating="excellent", comment="x")
    services_during.appraisal_record(
        actor=enterprise_admin, secondment=b, rating=FinalRating.EXCELLENT, comment="政治过硬，业务精通"
    )
    with pytest.raises(PermissionDenied):
        services_during.sending_opinion_record(actor=enterprise_admin, secondment=b, opinion="x")
    services_during.sending_opinion_record(actor=county_b1_admin, secondment=b, opinion="同意鉴定意见")
    services_during.secondment_return(actor=county_b1_admin, secondment=b, returned_at=dt.date(2026, 8, 31))
    b.refresh_from_db()
    trainee_b1.cadre.refresh_from_db()
    assert b.stage == Stage.COMPLETED and trainee_b1.cadre.status == CadreStatus.ACTIVE
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING  # A1's cadre is still away


def test_the_last_return_closes_the_batch(batch, approved, org_admin):
    run_to_start(batch, org_admin)
    for s in Secondment.objects.filter(batch=batch):
        services_during.appraisal_record(actor=org_admin, secondment=s, rating="competent", comment="称职")
        services_during.sending_opinion_record(actor=org_admin, secondment=s, opinion="同意")
        services_during.secondment_return(actor=org_admin, secondment=s)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CLOSED


def test_nothing_is_recorded_before_the_secondment_starts(batch, approved, org_admin, trainee_b1):
    with pytest.raises(ValidationError):
        services_during.worklog_add(actor=trainee_b1, secondment=approved[0], date=dt.date(2026, 3, 5), content="x")
    with pytest.raises(ValidationError):
        services_placement.batch_start(actor=org_admin, batch=batch)
