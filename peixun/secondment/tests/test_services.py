"""Batches and the three channels, the unit's and the organisation department's review, all audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.models import AuditEvent
from peixun.secondment import services
from peixun.secondment.models import BatchStatus, Channel, Stage
from peixun.secondment.permissions import ERR_NOT_SENDING
from peixun.secondment.tests.conftest import with_service
from peixun.secondment.tests.factories import BatchFactory

pytestmark = pytest.mark.django_db


def events(name: str) -> int:
    return AuditEvent.objects.filter(event=name).count()


def test_the_org_admin_creates_and_publishes_a_batch(org_admin, tree):
    b = services.batch_create(
        actor=org_admin,
        year=2026,
        title="2026年度",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 8, 31),
        reference_date=dt.date(2026, 3, 1),
        notice="通知",
    )
    assert b.status == BatchStatus.DRAFT and b.max_age == 50
    assert b.allows("county", "enterprise") and not b.allows("county", "city")
    services.post_save(
        actor=org_admin,
        batch=b,
        receiving_unit=tree.enterprise,
        title="审查岗",
        capacity=2,
        preferred_skills=[" 财务 ", "财务", ""],
    )
    assert b.posts.get().preferred_skills == ["财务"]
    services.batch_publish(actor=org_admin, batch=b)
    assert b.status == BatchStatus.OPEN
    assert events("secondment.batch_create") == 1 and events("secondment.batch_publish") == 1


def test_a_unit_admin_cannot_create_a_batch(county_a1_admin):
    with pytest.raises(PermissionDenied):
        services.batch_create(
            actor=county_a1_admin,
            year=2026,
            title="x",
            start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 8, 31),
            reference_date=dt.date(2026, 3, 1),
        )


def test_a_batch_rejects_bad_dates_and_unknown_kinds_in_the_matrix(org_admin):
    kw = dict(actor=org_admin, year=2026, title="x", reference_date=dt.date(2026, 3, 1))
    with pytest.raises(ValidationError) as e:
        services.batch_create(start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 1), **kw)
    assert e.value.message_dict == {"end_date": [services.ERR_DATES]}
    with pytest.raises(ValidationError) as e:
        services.batch_create(
            start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 9, 1), matrix={"county": ["moon"]}, **kw
        )
    assert e.value.message_dict == {"matrix": [services.ERR_MATRIX]}


def test_a_cadre_applies_with_a_statement_and_three_preferences(batch, posts, trainee_b1):
    with_service(trainee_b1)
    s = services.secondment_apply(
        actor=trainee_b1, batch=batch, statement="希望到企业锻炼", preferences=posts[:2], skills=["审查调查"]
    )
    assert s.channel == Channel.APPLIED and s.stage == Stage.SUBMITTED
    assert s.sending_unit == trainee_b1.cadre.unit
    assert [p.post_id for p in s.preferences.all()] == [posts[0].pk, posts[1].pk]
    # Until the unit records its assessment the candidate is not yet eligible, and says why.
    assert not s.eligible and "单位尚未填写政治素质考察意见" in s.eligibility_reasons
    assert events("secondment.put_forward") == 1


def test_an_application_needs_a_statement_at_most_three_preferences_and_an_open_batch(batch, posts, trainee_b1, uni):
    with pytest.raises(ValidationError) as e:
        services.secondment_apply(actor=trainee_b1, batch=batch, statement=" ")
    assert e.value.message_dict == {"statement": [services.ERR_STATEMENT_REQUIRED]}
    with pytest.raises(ValidationError) as e:
        services.secondment_apply(actor=trainee_b1, batch=batch, statement="x", preferences=[posts[0], posts[0]])
    assert e.value.message_dict == {"preferences": [services.ERR_DUPLICATE_PREFERENCE]}
    other = BatchFactory()
    from peixun.secondment.tests.factories import PostFactory

    extra = PostFactory(batch=batch, receiving_unit=uni)
    with pytest.raises(ValidationError) as e:
        services.secondment_apply(actor=trainee_b1, batch=batch, statement="x", preferences=[*posts, extra])
    assert e.value.message_dict == {"preferences": [services.ERR_TOO_MANY_PREFERENCES]}
    with pytest.raises(ValidationError) as e:
        services.secondment_apply(
            actor=trainee_b1, batch=batch, statement="x", preferences=[PostFactory(batch=other, receiving_unit=uni)]
        )
    assert e.value.message_dict == {"preferences": [services.ERR_FOREIGN_POST]}
    batch.status = BatchStatus.DRAFT
    batch.save()
    with pytest.raises(ValidationError) as e:
        services.secondment_apply(actor=trainee_b1, batch=batch, statement="x")
    assert e.value.message_dict == {"batch": [services.ERR_NOT_OPEN]}
    assert not batch.secondments.exists()


def test_an_account_without_a_cadre_cannot_apply(batch, system_admin):
    with pytest.raises(PermissionDenied):
        services.secondment_apply(actor=system_admin, batch=batch, statement="x")


def test_a_cadre_is_put_forward_once_per_batch(batch, trainee_b1, county_b1_admin):
    services.secondment_apply(actor=trainee_b1, batch=batch, statement="x")
    with pytest.raises(ValidationError) as e:
        services.secondment_nominate(
            actor=county_b1_admin, batch=batch, cadre=trainee_b1.cadre, channel=Channel.MOBILISED
        )
    assert e.value.message_dict == {"cadre": [services.ERR_ALREADY_CANDIDATE]}


def test_the_org_admin_or_the_cadres_unit_mobilises_a_cadre(
    batch, org_admin, county_b1_admin, trainee_b1, trainee_a1, county_a1_admin
):
    s = services.secondment_nominate(
        actor=county_b1_admin, batch=batch, cadre=trainee_b1.cadre, channel=Channel.MOBILISED, skills=["财务"]
    )
    assert s.channel == Channel.MOBILISED and s.put_forward_by == county_b1_admin
    with pytest.raises(PermissionDenied):
        services.secondment_nominate(
            actor=county_b1_admin, batch=batch, cadre=trainee_a1.cadre, channel=Channel.MOBILISED
        )
    s2 = services.secondment_nominate(actor=org_admin, batch=batch, cadre=trainee_a1.cadre, channel=Channel.MOBILISED)
    assert s2.put_forward_by == org_admin


def test_a_unit_decision_needs_the_meeting_record(batch, county_b1_admin, trainee_b1):
    with pytest.raises(ValidationError) as e:
        services.secondment_nominate(
            actor=county_b1_admin, batch=batch, cadre=trainee_b1.cadre, channel=Channel.UNIT_DECIDED
        )
    assert e.value.message_dict == {"meeting_record": [services.ERR_MEETING_REQUIRED]}
    s = services.secondment_nominate(
        actor=county_b1_admin,
        batch=batch,
        cadre=trainee_b1.cadre,
        channel=Channel.UNIT_DECIDED,
        meeting_record="2026年2月党组会研究同意",
    )
    assert s.channel == Channel.UNIT_DECIDED and "党组会" in s.meeting_record


def test_nominating_by_application_is_not_a_unit_channel(batch, county_b1_admin, trainee_b1):
    with pytest.raises(ValidationError) as e:
        services.secondment_nominate(
            actor=county_b1_admin, batch=batch, cadre=trainee_b1.cadre, channel=Channel.APPLIED
        )
    assert e.value.message_dict == {"channel": [services.ERR_CHANNEL]}


def test_the_unit_reviews_then_the_org_department_approves_an_eligible_candidate(
    batch, trainee_b1, county_b1_admin, org_admin, county_a1_admin
):
    with_service(trainee_b1)
    s = services.secondment_apply(actor=trainee_b1, batch=batch, statement="x")
    with pytest.raises(PermissionDenied) as e:
        services.secondment_unit_review(actor=county_a1_admin, secondment=s, approve=True, opinion="同意")
    assert str(e.value) == ERR_NOT_SENDING
    with pytest.raises(ValidationError):
        services.secondment_org_review(actor=org_admin, secondment=s, approve=True)  # the unit comes first
    s = services.secondment_unit_review(
        actor=county_b1_admin,
        secondment=s,
        approve=True,
        opinion="同意推荐",
        political_assessment="政治坚定",
        work_assessment="业绩突出",
    )
    assert s.stage == Stage.UNIT_APPROVED and s.eligible
    with pytest.raises(PermissionDenied):
        services.secondment_org_review(actor=county_b1_admin, secondment=s, approve=True)
    s = services.secondment_org_review(actor=org_admin, secondment=s, approve=True, opinion="审核通过")
    assert s.stage == Stage.APPROVED
    assert events("secondment.unit_review") == 1 and events("secondment.org_review") == 1


def test_the_org_department_cannot_approve_an_ineligible_candidate(batch, trainee_b1, county_b1_admin, org_admin):
    s = services.secondment_apply(actor=trainee_b1, batch=batch, statement="x")  # no work start date
    s = services.secondment_unit_review(
        actor=county_b1_admin,
        secondment=s,
        approve=True,
        opinion="同意",
        political_assessment="好",
        work_assessment="好",
    )
    assert s.eligibility_reasons == ["未登记参加工作时间"]
    with pytest.raises(ValidationError) as e:
        services.secondment_org_review(actor=org_admin, secondment=s, approve=True)
    assert e.value.message_dict == {"stage": [services.ERR_NOT_ELIGIBLE]}
    s.refresh_from_db()
    assert s.stage == Stage.UNIT_APPROVED
    assert services.secondment_org_review(actor=org_admin, secondment=s, approve=False).stage == Stage.REJECTED


def test_a_unit_cannot_approve_beyond_its_quota(batch, tree, org_admin, county_b1_admin, trainee_b1):
    from peixun.org.tests.factories import cadre_user

    services.quota_set(actor=org_admin, batch=batch, unit=tree.city_b, quota=1)
    other = cadre_user(unit=tree.county_b1, name="乙一县干部二")
    first = services.secondment_apply(actor=trainee_b1, batch=batch, statement="x")
    second = services.secondment_apply(actor=other, batch=batch, statement="y")
    services.secondment_unit_review(actor=county_b1_admin, secondment=first, approve=True, opinion="同意")
    with pytest.raises(ValidationError) as e:
        services.secondment_unit_review(actor=county_b1_admin, secondment=second, approve=True, opinion="同意")
    assert e.value.message_dict == {"stage": [services.ERR_QUOTA_FULL]}
    # Saying no is always possible.
    assert (
        services.secondment_unit_review(
            actor=county_b1_admin, secondment=second, approve=False, opinion="名额已满"
        ).stage
        == Stage.UNIT_REJECTED
    )


def test_a_sanction_is_recorded_by_the_cadres_unit_and_makes_the_candidate_ineligible(
    batch, trainee_b1, county_b1_admin, county_a1_admin
):
    with_service(trainee_b1)
    with pytest.raises(PermissionDenied):
        services.sanction_record(
            actor=county_a1_admin, cadre=trainee_b1.cadre, kind="警告", start_date=dt.date(2025, 9, 1)
        )
    with pytest.raises(ValidationError):
        services.sanction_record(
            actor=county_b1_admin,
            cadre=trainee_b1.cadre,
            kind="警告",
            start_date=dt.date(2025, 9, 1),
            end_date=dt.date(2025, 8, 1),
        )
    services.sanction_record(
        actor=county_b1_admin,
        cadre=trainee_b1.cadre,
        kind="警告",
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2026, 9, 1),
    )
    s = services.secondment_apply(actor=trainee_b1, batch=batch, statement="x")
    assert "处分影响期未满（警告）" in s.eligibility_reasons
    assert events("secondment.sanction_record") == 1
