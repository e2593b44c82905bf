"""Later edits in the pool: a teacher's profile, an intake round, the unit's opinion on a personal application."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.teachers import services
from peixun.teachers import services_profile as profile
from peixun.teachers.models import ApplicationStatus, StepAction
from peixun.teachers.tests.factories import TeacherFactory
from peixun.training.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def external(office):
    return TeacherFactory(external_name="省委党校孙教授", external_org="省委党校", fields=[office])


@pytest.fixture
def applied(trainee_b1, intake, office):
    return services.application_apply(actor=trainee_b1, intake=intake, fields=[office], experience="授课三年")


def test_the_org_admin_edits_an_external_teachers_profile_and_it_is_audited(org_admin, external, office, office_b):
    profile.teacher_profile_update(
        actor=org_admin,
        teacher=external,
        fields=[office_b],
        title="教授",
        name="孙教授",
        organisation="省委党校（行政学院）",
    )
    external.refresh_from_db()
    assert (external.external_name, external.external_org, external.title) == ("孙教授", "省委党校（行政学院）", "教授")
    assert list(external.fields.all()) == [office_b]
    record = AuditEvent.objects.get(event=Event.TEACHER_UPDATE)
    assert record.detail["before"]["fields"] == [office.code] and record.detail["after"]["fields"] == ["XF"]


def test_a_profile_edit_refuses_no_field_an_empty_name_and_an_overlong_title(org_admin, external, office):
    with pytest.raises(ValidationError) as exc:
        profile.teacher_profile_update(actor=org_admin, teacher=external, fields=[], title="长" * 101, name=" ")
    assert exc.value.message_dict == {
        "fields": [services.ERR_FIELDS], "title": [profile.ERR_TOO_LONG.format(n=100)],
        "name": [services.ERR_REQUIRED], "organisation": [services.ERR_REQUIRED],
    }  # fmt: skip
    external.refresh_from_db()
    assert external.external_name == "省委党校孙教授" and list(external.fields.all()) == [office]


def test_a_cadre_teachers_name_stays_the_cadres(org_admin, teacher, office):
    pool = TeacherFactory(cadre=teacher.cadre, fields=[office])
    profile.teacher_profile_update(actor=org_admin, teacher=pool, fields=[office], title="处长", name="改名")
    pool.refresh_from_db()
    assert pool.name == teacher.cadre.name and pool.external_name == "" and pool.title == "处长"


@pytest.mark.parametrize("who", ["office_director", "county_a1_admin", "system_admin"])
def test_only_the_org_admin_edits_a_profile(request, who, external, office):
    with pytest.raises(PermissionDenied):
        profile.teacher_profile_update(actor=request.getfixturevalue(who), teacher=external, fields=[office])


def test_the_unit_gives_its_opinion_on_a_personal_application(county_b1_admin, applied, trainee_b1):
    assert profile.may_give_opinion(county_b1_admin, applied)
    profile.application_unit_opinion(actor=county_b1_admin, application=applied, opinion="同意报名")
    applied.refresh_from_db()
    assert applied.unit_opinion == "同意报名" and applied.status == ApplicationStatus.SUBMITTED
    assert [s.action for s in applied.steps.all()] == [StepAction.SUBMIT, StepAction.UNIT_OPINION]
    assert AuditEvent.objects.filter(event=Event.TEACHER_APPLICATION_OPINION, actor=county_b1_admin).exists()
    assert Notification.objects.filter(recipient=trainee_b1, text__contains="单位意见").exists()


def test_another_countys_admin_may_not_give_the_opinion(county_a1_admin, applied):
    assert not profile.may_give_opinion(county_a1_admin, applied)
    with pytest.raises(PermissionDenied) as exc:
        profile.application_unit_opinion(actor=county_a1_admin, application=applied, opinion="同意")
    assert str(exc.value) == profile.ERR_OPINION_SCOPE


def test_the_opinion_is_refused_when_empty_after_review_or_on_a_nomination(
    county_b1_admin, org_admin, applied, intake, office, tree
):
    from peixun.org.tests.factories import cadre_user

    with pytest.raises(ValidationError) as exc:
        profile.application_unit_opinion(actor=county_b1_admin, application=applied, opinion="  ")
    assert exc.value.message_dict == {"unit_opinion": [services.ERR_REQUIRED]}
    services.application_review(actor=org_admin, application=applied, decision="pass")
    with pytest.raises(ValidationError) as exc:
        profile.application_unit_opinion(actor=county_b1_admin, application=applied, opinion="同意")
    assert exc.value.message_dict == {"status": [services.ERR_BAD_STEP]}
    nominee = cadre_user(unit=tree.county_b1, name="被推荐人")
    nominated = services.application_nominate(
        actor=county_b1_admin, intake=intake, cadre=nominee.cadre, fields=[office], experience="经历",
        unit_opinion="同意推荐",
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        profile.application_unit_opinion(actor=county_b1_admin, application=nominated, opinion="改")
    assert exc.value.message_dict == {"unit_opinion": [profile.ERR_OPINION_CHANNEL]}


# --- Pages -------------------------------------------------------------------------------------------------


def test_the_profile_page_saves_and_shows_the_services_message(client_of, org_admin, external, office):
    client = client_of(org_admin)
    url = f"/teachers/pool/{external.pk}/edit/"
    assert "省委党校孙教授" in client.get(url).content.decode()
    refused = client.post(url, {"name": "孙教授", "organisation": "省委党校", "title": ""})
    assert refused.status_code == 200 and services.ERR_FIELDS in refused.content.decode()
    saved = client.post(url, {"name": "孙教授", "organisation": "省委党校", "title": "教授", "fields": [office.pk]})
    assert saved.status_code == 302
    external.refresh_from_db()
    assert external.external_name == "孙教授"


def test_the_round_edit_page_keeps_the_round_open_and_changes_its_deadline(client_of, org_admin, intake, office):
    response = client_of(org_admin).post(
        f"/teachers/rounds/{intake.pk}/edit/",
        {"title": intake.title, "criteria": "新条件", "fields": [office.pk], "deadline": "2026-12-31"},
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.criteria == "新条件" and str(intake.deadline) == "2026-12-31" and intake.is_open


def test_the_unit_admin_sees_the_opinion_form_and_the_candidate_does_not(
    client_of, county_b1_admin, trainee_b1, applied
):
    url = f"/teachers/applications/{applied.pk}/"
    assert 'id="opinion-form"' in client_of(county_b1_admin).get(url).content.decode()
    assert 'id="opinion-form"' not in client_of(trainee_b1).get(url).content.decode()
    response = client_of(county_b1_admin).post(f"{url}opinion/", {"unit_opinion": ""}, follow=True)
    assert services.ERR_REQUIRED in response.content.decode()
    response = client_of(trainee_b1).post(f"{url}opinion/", {"unit_opinion": "自己同意"})
    assert response.status_code == 403
