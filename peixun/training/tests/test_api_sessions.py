"""The JSON API of running classes (api_sessions.py): allocation, venues, attendance, evaluations,
certificates, training record and coverage, notifications. Success, bad input (400 with the constant
message, nothing changed) and refusals outside the caller's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from peixun.org.tests.factories import cadre_user
from peixun.training import services_allocation as sa
from peixun.training import services_checkin as sc
from peixun.training import services_results as sr
from peixun.training.api_sessions_serializers import ERR_PLACEMENT_CHOICE, ERR_YEAR
from peixun.training.models import (
    Certificate,
    CheckIn,
    ClassStatus,
    Enrolment,
    Evaluation,
    Notification,
    VenueHeadcount,
)
from peixun.training.notifications import notify_cadres
from peixun.training.permissions import ERR_NOT_ALLOWED
from peixun.training.services import ERR_SEATS
from peixun.training.services_edit import ERR_VENUE_ORG_ONLY
from peixun.training.tests.factories import (
    YEAR,
    ClassFactory,
    EnrolmentFactory,
    LectureFactory,
    PlanFactory,
    VenueFactory,
    enrol,
)

JSON = "application/json"


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def post(client, url, data=None):
    return client.post(url, data or {}, content_type=JSON)


def attend(lecture, enrolment, status="present", hours="2.0"):
    return CheckIn.objects.create(
        lecture=lecture,
        enrolment=enrolment,
        cadre=enrolment.cadre,
        status=status,
        method="operator",
        study_hours=Decimal(hours),
        venue=enrolment.venue,
    )


# --- Allocation -------------------------------------------------------------------------------------


def test_running_the_allocation_returns_occupancy_per_venue_and_the_unseated_with_reasons(
    world, tree, org_admin, client_of
):
    cls, v = world
    enrol(cls, tree.county_b1, 40)  # 2 + 10 + 3 + 20 = 35 seats in the province
    response = post(client_of(org_admin), f"/api/training/classes/{cls.pk}/allocation/run/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["seated"] == 35 and body["unseated"] == 5
    occupancy = {row["venue"]: (row["n"], row["capacity"]) for row in body["occupancy"]}
    assert occupancy == {v["a1"].pk: (2, 2), v["a2"].pk: (10, 10), v["a"].pk: (3, 3), v["b1"].pk: (20, 20)}
    assert len(body["unseated_trainees"]) == 5
    assert {t["note"] for t in body["unseated_trainees"]} == {sa.NOTE_UNSEATED}


def test_only_the_organisation_department_runs_the_allocation(world, tree, county_a1_admin, client_of):
    cls, _ = world
    enrol(cls, tree.county_a1, 2)
    response = post(client_of(county_a1_admin), f"/api/training/classes/{cls.pk}/allocation/run/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == ERR_NOT_ALLOWED
    cls.refresh_from_db()
    assert cls.allocated_at is None
    assert not Enrolment.objects.filter(training_class=cls).exclude(venue=None).exists()


def test_the_allocation_read_gives_rosters_with_the_explanation_of_every_move_away_from_home(
    world, tree, org_admin, client_of
):
    cls, v = world
    a1 = enrol(cls, tree.county_a1, 4)  # home capacity 2: two are moved within city A
    sa.allocation_run(actor=org_admin, training_class=cls)
    response = client_of(org_admin).get(f"/api/training/classes/{cls.pk}/allocation/")
    assert response.status_code == 200
    body = response.json()
    assert body["summary"]["seated"] == 4
    rosters = {r["venue"]: r for r in body["venues"]}
    assert rosters[v["a1"].pk]["n"] == 2 and all(t["note"] == "" for t in rosters[v["a1"].pk]["trainees"])
    moved = [t for r in body["venues"] if r["venue"] != v["a1"].pk for t in r["trainees"]]
    assert sorted(t["enrolment"] for t in moved + rosters[v["a1"].pk]["trainees"]) == sorted(e.pk for e in a1)
    assert len(moved) == 2 and all(
        t["note"].startswith(f"{v['a1'].name}已满（允许上座2人），调剂至同市") for t in moved
    )
    only_a1 = client_of(org_admin).get(f"/api/training/classes/{cls.pk}/allocation/", {"venue": v["a1"].pk}).json()
    assert [r["venue"] for r in only_a1["venues"]] == [v["a1"].pk]


def test_a_county_admin_reads_only_its_trainees_and_no_totals_of_venues_outside_its_scope(
    world, tree, org_admin, county_a1_admin, trainee_a1, client_of
):
    cls, v = world
    enrol(cls, tree.county_b1, 3)
    mine = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    sa.allocation_run(actor=org_admin, training_class=cls)
    Enrolment.objects.filter(pk=mine.pk).update(venue=v["b1"], placement_note="x")
    body = client_of(county_a1_admin).get(f"/api/training/classes/{cls.pk}/allocation/").json()
    assert body["summary"] is None
    assert [(r["venue"], r["n"]) for r in body["venues"]] == [(v["b1"].pk, None)]
    assert [t["enrolment"] for t in body["venues"][0]["trainees"]] == [mine.pk]
    assert "乙一县" not in str([t["unit_name"] for r in body["venues"] for t in r["trainees"]])
    assert client_of(trainee_a1).get(f"/api/training/classes/{cls.pk}/allocation/").status_code == 403


def test_a_hand_move_pins_the_trainee_and_a_full_venue_is_refused_without_change(world, tree, org_admin, client_of):
    cls, v = world
    first, second, third = enrol(cls, tree.county_a1, 3)
    client = client_of(org_admin)
    response = post(client, f"/api/training/enrolments/{first.pk}/placement/", {"venue": v["a1"].pk})
    assert response.status_code == 200
    assert response.json()["pinned"] is True and response.json()["note"] == sa.NOTE_PINNED
    assert post(client, f"/api/training/enrolments/{second.pk}/placement/", {"venue": v["a1"].pk}).status_code == 200
    full = post(client, f"/api/training/enrolments/{third.pk}/placement/", {"venue": v["a1"].pk})
    assert full.status_code == 400
    assert fields(full) == {"venue": [sa.ERR_VENUE_FULL.format(venue=v["a1"].name, cap=2)]}
    third.refresh_from_db()
    assert third.venue_id is None and not third.pinned
    missing = post(client, f"/api/training/enrolments/{third.pk}/placement/", {})
    assert missing.status_code == 400 and fields(missing) == {"venue": [ERR_PLACEMENT_CHOICE]}
    released = post(client, f"/api/training/enrolments/{first.pk}/placement/", {"pinned": False})
    assert released.status_code == 200 and released.json()["pinned"] is False


def test_a_county_admin_cannot_pin_a_cadre_of_another_county_nor_its_own(world, tree, county_a1_admin, client_of):
    cls, v = world
    (foreign,) = enrol(cls, tree.county_b1, 1)
    (own,) = enrol(cls, tree.county_a1, 1)
    client = client_of(county_a1_admin)
    assert post(client, f"/api/training/enrolments/{foreign.pk}/placement/", {"venue": v["a1"].pk}).status_code == 404
    # The page's rule: moves by hand are the organisation department's.
    assert post(client, f"/api/training/enrolments/{own.pk}/placement/", {"venue": v["a1"].pk}).status_code == 403
    assert not Enrolment.objects.filter(pk__in=[foreign.pk, own.pk], pinned=True).exists()


# --- Venues -----------------------------------------------------------------------------------------


def test_a_unit_admin_changes_its_venue_seats_and_occupancy_and_sees_its_operators(
    tree, county_a1_admin, venue_operator_a1, client_of
):
    venue = VenueFactory(unit=tree.county_a1, seats=50, allowed_occupancy=100)
    client = client_of(county_a1_admin)
    response = client.patch(
        f"/api/training/venues/{venue.pk}/settings/", {"seats": 80, "allowed_occupancy": 75}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["seats"], body["allowed_occupancy"], body["capacity"]) == (80, 75, 60)
    assert [o["username"] for o in body["operators"]] == [venue_operator_a1.username]
    venue.refresh_from_db()
    assert (venue.seats, venue.allowed_occupancy, venue.name) == (80, 75, f"{tree.county_a1.name}分会场")


def test_a_form_encoded_change_leaves_the_fields_it_does_not_name(tree, org_admin, client_of):
    venue = VenueFactory(unit=tree.county_a1, seats=50)
    response = client_of(org_admin).patch(
        f"/api/training/venues/{venue.pk}/settings/", "seats=60", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content
    venue.refresh_from_db()
    tree.county_a1.refresh_from_db()
    assert (venue.seats, venue.is_active, venue.is_main, tree.county_a1.has_intranet) == (60, True, False, True)


def test_a_bad_seat_count_is_a_400_and_the_venue_is_unchanged(tree, org_admin, client_of):
    venue = VenueFactory(unit=tree.county_a1, seats=50)
    for seats in (-1, "many", 100001):
        response = client_of(org_admin).patch(
            f"/api/training/venues/{venue.pk}/settings/", {"seats": seats, "name": "新名称"}, content_type=JSON
        )
        assert response.status_code == 400
        assert fields(response) == {"seats": [ERR_SEATS]}
    venue.refresh_from_db()
    assert (venue.seats, venue.name) == (50, f"{tree.county_a1.name}分会场")


def test_a_unit_admin_cannot_edit_another_countys_venue_nor_the_main_venue_mark(tree, county_a1_admin, client_of):
    foreign = VenueFactory(unit=tree.county_b1, seats=20)
    own = VenueFactory(unit=tree.county_a1, seats=20)
    client = client_of(county_a1_admin)
    url = f"/api/training/venues/{foreign.pk}/settings/"
    assert client.patch(url, {"seats": 1}, content_type=JSON).status_code == 404
    main = client.patch(f"/api/training/venues/{own.pk}/settings/", {"is_main": True}, content_type=JSON)
    assert main.status_code == 403 and main.json()["error"]["message"] == ERR_VENUE_ORG_ONLY
    foreign.refresh_from_db()
    own.refresh_from_db()
    assert foreign.seats == 20 and not own.is_main


# --- Attendance -------------------------------------------------------------------------------------


@pytest.fixture
def lecture_world(tree, trainee_a1):
    cls = ClassFactory(status=ClassStatus.IN_PROGRESS)
    lecture = LectureFactory(training_class=cls)
    home = VenueFactory(unit=tree.county_a1, seats=10)
    other = VenueFactory(unit=tree.county_b1, seats=10)
    mine = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre, venue=home)
    foreign = EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_b1).cadre, venue=other)
    return cls, lecture, home, other, mine, foreign


def test_the_venue_operator_marks_attendance_and_records_the_headcount(lecture_world, venue_operator_a1, client_of):
    _, lecture, home, _, mine, _ = lecture_world
    client = client_of(venue_operator_a1)
    url = f"/api/training/lectures/{lecture.pk}/attendance/"
    roster = client.get(url, {"venue": home.pk})
    assert roster.status_code == 200
    assert [(r["enrolment"], r["status"]) for r in roster.json()["rows"]] == [(mine.pk, "")]
    marked = post(client, url, {"venue": home.pk, "marks": [{"enrolment": mine.pk, "status": "late"}]})
    assert marked.status_code == 200, marked.content
    assert [(r["enrolment"], r["status"]) for r in marked.json()["rows"]] == [(mine.pk, "late")]
    checkin = CheckIn.objects.get(lecture=lecture, cadre=mine.cadre)
    assert checkin.status == "late" and checkin.study_hours == Decimal("2.0")
    counted = post(client, f"/api/training/lectures/{lecture.pk}/headcount/", {"venue": home.pk, "headcount": 7})
    assert counted.status_code == 200 and counted.json()["headcount"] == 7
    assert client.get(url, {"venue": home.pk}).json()["headcount"] == 7


def test_a_venue_operator_cannot_mark_another_venue(lecture_world, venue_operator_a1, client_of):
    _, lecture, _, other, _, foreign = lecture_world
    client = client_of(venue_operator_a1)
    marks = {"venue": other.pk, "marks": [{"enrolment": foreign.pk, "status": "absent"}]}
    assert post(client, f"/api/training/lectures/{lecture.pk}/attendance/", marks).status_code == 403
    headcount = {"venue": other.pk, "headcount": 3}
    assert post(client, f"/api/training/lectures/{lecture.pk}/headcount/", headcount).status_code == 403
    assert client.get(f"/api/training/lectures/{lecture.pk}/attendance/", {"venue": other.pk}).status_code == 403
    assert not CheckIn.objects.exists() and not VenueHeadcount.objects.exists()


def test_marks_for_a_trainee_seated_elsewhere_or_a_bad_status_save_nothing(lecture_world, venue_operator_a1, client_of):
    _, lecture, home, _, mine, foreign = lecture_world
    marks = [{"enrolment": mine.pk, "status": "present"}, {"enrolment": foreign.pk, "status": "present"}]
    url = f"/api/training/lectures/{lecture.pk}/attendance/"
    response = post(client_of(venue_operator_a1), url, {"venue": home.pk, "marks": marks})
    assert response.status_code == 400
    assert fields(response) == {f"enrolment_{foreign.pk}": [sc.ERR_NOT_AT_VENUE]}
    bad = post(client_of(venue_operator_a1), url, {"venue": home.pk, "marks": [{"enrolment": mine.pk, "status": "x"}]})
    assert bad.status_code == 400 and fields(bad) == {f"enrolment_{mine.pk}": [sc.ERR_BAD_STATUS]}
    assert not CheckIn.objects.exists()


def test_a_headcount_above_the_seats_is_a_400(lecture_world, venue_operator_a1, client_of):
    _, lecture, home, _, _, _ = lecture_world
    url = f"/api/training/lectures/{lecture.pk}/headcount/"
    response = post(client_of(venue_operator_a1), url, {"venue": home.pk, "headcount": 11})
    assert response.status_code == 400 and fields(response) == {"headcount": [sc.ERR_BAD_HEADCOUNT]}
    assert not VenueHeadcount.objects.exists()


# --- Evaluations ------------------------------------------------------------------------------------


def test_a_trainee_who_attended_evaluates_once_and_the_summary_has_no_names(
    lecture_world, trainee_a1, org_admin, client_of
):
    cls, lecture, _, _, mine, _ = lecture_world
    attend(lecture, mine)
    client = client_of(trainee_a1)
    url = f"/api/training/lectures/{lecture.pk}/evaluation/"
    rated = post(client, url, {"lecture_score": 5, "teacher_score": 4, "comment": "很有收获"})
    assert rated.status_code == 201, rated.content
    assert rated.json()["lecture"] == lecture.pk
    again = post(client, url, {"lecture_score": 1, "teacher_score": 1})
    assert again.status_code == 400 and fields(again) == {"lecture": [sr.ERR_ALREADY_RATED]}
    whole = post(client, url, {"scope": "class", "class_score": 3})
    assert whole.status_code == 201 and whole.json()["lecture"] is None
    summary = client_of(org_admin).get(f"/api/training/lectures/{lecture.pk}/evaluation-summary/")
    assert summary.json() == {"count": 1, "lecture": 5.0, "teacher": 4.0, "class": None, "comments": ["很有收获"]}
    assert trainee_a1.cadre.name not in summary.content.decode()
    of_class = client_of(org_admin).get(f"/api/training/classes/{cls.pk}/evaluation-summary/").json()
    assert of_class["count"] == 1 and of_class["class"] == 3.0
    assert client.get(f"/api/training/lectures/{lecture.pk}/evaluation-summary/").status_code == 403


def test_a_trainee_who_did_not_attend_cannot_evaluate(lecture_world, trainee_a1, client_of):
    _, lecture, _, _, mine, _ = lecture_world
    attend(lecture, mine, status="absent", hours="0")
    url = f"/api/training/lectures/{lecture.pk}/evaluation/"
    response = post(client_of(trainee_a1), url, {"lecture_score": 5, "teacher_score": 5})
    assert response.status_code == 403 and response.json()["error"]["message"] == sr.ERR_DID_NOT_ATTEND
    assert not Evaluation.objects.exists()


def test_an_out_of_range_score_is_a_400_with_the_constant_message(lecture_world, trainee_a1, client_of):
    _, lecture, _, _, mine, _ = lecture_world
    attend(lecture, mine)
    url = f"/api/training/lectures/{lecture.pk}/evaluation/"
    response = post(client_of(trainee_a1), url, {"lecture_score": 9, "teacher_score": "good"})
    assert response.status_code == 400
    assert fields(response) == {"lecture_score": [sr.ERR_SCORE], "teacher_score": [sr.ERR_SCORE]}
    assert not Evaluation.objects.exists()


# --- Certificates -----------------------------------------------------------------------------------


@pytest.fixture
def finished(tree, trainee_a1):
    cls = ClassFactory(status=ClassStatus.FINISHED)
    lectures = [LectureFactory(training_class=cls) for _ in range(5)]
    done = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    other = EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a2).cadre)
    short = EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a1).cadre)
    for lecture in lectures[:4]:
        attend(lecture, done)
        attend(lecture, other)
    attend(lectures[0], short)
    return cls, done, other, short


def test_certificates_are_issued_one_by_one_or_for_the_class_and_listed_for_their_holder(
    finished, org_admin, trainee_a1, client_of
):
    cls, done, _, short = finished
    admin = client_of(org_admin)
    one = post(admin, f"/api/training/enrolments/{done.pk}/certificate/")
    assert one.status_code == 201, one.content
    assert one.json()["number"] == f"PX{cls.plan.year}{cls.pk:04d}00001"
    refused = post(admin, f"/api/training/enrolments/{short.pk}/certificate/")
    assert refused.status_code == 400
    assert fields(refused) == {"enrolment": [sr.ERR_NOT_COMPLETED.format(pct=sr.CERT_MIN_SHARE)]}
    rest = post(admin, f"/api/training/classes/{cls.pk}/certificates/")
    assert rest.status_code == 200 and rest.json()["issued"] == 1
    assert [c["number"] for c in rest.json()["certificates"]] == [f"PX{cls.plan.year}{cls.pk:04d}00002"]
    assert Certificate.objects.filter(enrolment=short).count() == 0
    mine = client_of(trainee_a1).get("/api/training/certificates/").json()["results"]
    assert [c["id"] for c in mine] == [one.json()["id"]]


def test_only_those_who_run_the_class_issue_certificates(finished, county_a1_admin, trainee_a1, client_of):
    cls, done, _, _ = finished
    assert post(client_of(county_a1_admin), f"/api/training/enrolments/{done.pk}/certificate/").status_code == 403
    assert post(client_of(trainee_a1), f"/api/training/classes/{cls.pk}/certificates/").status_code == 403
    assert not Certificate.objects.exists()


def test_the_certificate_pdf_download_is_a_pdf_for_its_holder_only(
    finished, org_admin, trainee_a1, trainee_b1, client_of
):
    _, done, _, _ = finished
    certificate = sr.certificate_issue(actor=org_admin, enrolment=done)
    response = client_of(trainee_a1).get(f"/api/training/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client_of(trainee_b1).get(f"/api/training/certificates/{certificate.pk}/pdf/").status_code == 404
    assert client_of(trainee_b1).get("/api/training/certificates/").json()["results"] == []


# --- Training record, coverage, attendance per venue --------------------------------------------------


@pytest.fixture
def hours_world(tree, trainee_a1, trainee_b1):
    PlanFactory(year=YEAR, hours_target=Decimal("10"))
    start = timezone.make_aware(dt.datetime(YEAR, 3, 10, 9))
    cls = ClassFactory(start_date=start.date(), end_date=start.date())
    lecture = LectureFactory(training_class=cls, starts_at=start)
    venue = VenueFactory(unit=tree.county_a1)
    mine = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre, venue=venue)
    attend(lecture, mine, hours="3.0")
    attend(lecture, EnrolmentFactory(training_class=cls, cadre=trainee_b1.cadre), hours="2.0")
    return cls, venue


def test_the_training_record_is_ones_own_or_that_of_a_cadre_in_scope(
    hours_world, trainee_a1, trainee_b1, county_a1_admin, client_of
):
    cls, _ = hours_world
    own = client_of(trainee_a1).get("/api/training/record/", {"year": YEAR})
    assert own.status_code == 200
    body = own.json()
    assert body["cadre"]["id"] == trainee_a1.cadre_id and body["total"] == "3.0" and body["target"] == "10.0"
    assert [c["training_class"] for c in body["classes"]] == [cls.pk]
    admin = client_of(county_a1_admin)
    assert admin.get("/api/training/record/", {"cadre": trainee_a1.cadre_id}).status_code == 200
    assert admin.get("/api/training/record/", {"cadre": trainee_b1.cadre_id}).status_code == 404
    bad = admin.get("/api/training/record/", {"year": "1999"})
    assert bad.status_code == 400 and fields(bad) == {"year": [ERR_YEAR]}


def test_coverage_per_unit_and_year_is_refused_for_another_county(
    hours_world, tree, county_a1_admin, trainee_a1, client_of
):
    client = client_of(county_a1_admin)
    response = client.get("/api/training/coverage/", {"year": YEAR})
    assert response.status_code == 200
    body = response.json()
    assert body["root"]["unit"] == tree.county_a1.pk and body["root"]["trained"] == 1
    assert body["months"][2] == {"month": 3, "cadres": 1, "hours": 3.0}
    assert client.get("/api/training/coverage/", {"unit": tree.county_b1.pk}).status_code == 404
    assert client.get("/api/training/coverage/", {"unit": tree.city_a.pk}).status_code == 404
    assert client_of(trainee_a1).get("/api/training/coverage/").status_code == 403
    bad = client.get("/api/training/coverage/", {"year": "20x6"})
    assert bad.status_code == 400 and fields(bad) == {"year": [ERR_YEAR]}


def test_attendance_per_venue_counts_the_check_ins_of_the_callers_venues(
    hours_world, county_a1_admin, trainee_a1, client_of
):
    _, venue = hours_world
    response = client_of(county_a1_admin).get("/api/training/venue-attendance/", {"year": YEAR})
    assert response.status_code == 200
    assert [(r["venue"], r["present"], r["rate"]) for r in response.json()] == [(venue.pk, 1, 100.0)]
    assert client_of(trainee_a1).get("/api/training/venue-attendance/").status_code == 403


# --- Notifications ------------------------------------------------------------------------------------


def test_notifications_are_listed_and_marked_read_only_for_their_recipient(trainee_a1, trainee_b1, client_of):
    for text in ("一", "二"):
        notify_cadres(cadre_ids=[trainee_a1.cadre_id], kind="enrolled", text=text)
    notify_cadres(cadre_ids=[trainee_b1.cadre_id], kind="enrolled", text="别人的")
    client = client_of(trainee_a1)
    listed = client.get("/api/training/notifications/").json()["results"]
    assert [n["text"] for n in listed] == ["二", "一"]
    foreign = Notification.objects.get(text="别人的")
    marked = post(client, "/api/training/notifications/read/", {"ids": [listed[0]["id"], foreign.pk]})
    assert marked.json() == {"marked": 1}
    assert [n["text"] for n in client.get("/api/training/notifications/", {"unread": "true"}).json()["results"]] == [
        "一"
    ]
    assert post(client, "/api/training/notifications/read/").json() == {"marked": 1}
    foreign.refresh_from_db()
    assert foreign.read_at is None
