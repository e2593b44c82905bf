"""The player's pages and JSON calls: what they render, and the structured errors they answer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from peixun.live import services_watch as sw
from peixun.live import tokens
from peixun.live import views_player as views
from peixun.live.models import StreamStatus, WatchRecord
from peixun.live.tests.watch_data import enrol, live_settings, make_lecture, make_recording, make_stream, make_venue
from peixun.training.models import VenueHeadcount

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture(office, trainee_a1, tree):
    lecture = make_lecture(office=office, starts_at=timezone.now() - dt.timedelta(minutes=5))
    enrol(trainee_a1, lecture, make_venue(tree.county_a1))
    return lecture


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def error_of(response):
    return response.json()["error"]


# --- the player page ------------------------------------------------------------------------------------


def test_the_player_shows_the_watermark_the_chat_and_the_waiting_state(lecture, trainee_a1, client_of):
    response = client_of(trainee_a1).get(reverse("live:player", args=[lecture.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    cadre = trainee_a1.cadre
    mark = body.split('<script id="live-watermark-text" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(mark) == f"{cadre.name} {cadre.employee_number}"  # the watermark's text, for player.js
    assert "vendor/hls.min.js" in body and "js/player.js" in body
    assert "data-chat-room" in body  # chat/_room.html is included
    assert "等待直播开始" in body


def test_the_player_is_not_found_for_someone_who_may_not_attend(lecture, trainee_b1, client_of):
    assert client_of(trainee_b1).get(reverse("live:player", args=[lecture.pk])).status_code == 404


def test_the_status_gives_a_signed_playlist_for_the_viewer_while_live(lecture, trainee_a1, client_of):
    stream = make_stream(lecture)
    data = client_of(trainee_a1).get(reverse("live:watch_status", args=[lecture.pk])).json()
    assert data["state"] == "live"
    verdict = tokens.verify(data["playback_url"])
    assert verdict.ok and verdict.uid == trainee_a1.pk and verdict.resource == stream.name
    assert 0 < data["expires_in"] <= 180


def test_the_status_says_waiting_before_the_start_without_a_url(office, trainee_a1, client_of):
    later = make_lecture(office=office, starts_at=timezone.now() + dt.timedelta(hours=1))
    enrol(trainee_a1, later)
    data = client_of(trainee_a1).get(reverse("live:watch_status", args=[later.pk])).json()
    assert (data["state"], data["playback_url"], data["message"]) == ("waiting", None, "等待直播开始")
    assert 3500 <= data["starts_in"] <= 3600


def test_the_status_says_interrupted_while_the_studio_is_away(lecture, trainee_a1, client_of):
    make_stream(lecture, status=StreamStatus.ENDED)
    data = client_of(trainee_a1).get(reverse("live:watch_status", args=[lecture.pk])).json()
    assert data["state"] == "interrupted"
    assert data["playback_url"]  # the player keeps its URL fresh while waiting for the studio


def test_the_replay_page_lists_signed_files_on_one_timeline(office, trainee_a1, client_of):
    past = make_lecture(office=office, starts_at=timezone.now() - dt.timedelta(hours=3))
    enrol(trainee_a1, past)
    stream = make_stream(past, status=StreamStatus.ENDED)
    make_recording(stream, seconds=600, mp4="a.mp4")
    make_recording(stream, seconds=300, mp4="b.mp4")
    response = client_of(trainee_a1).get(reverse("live:replay", args=[past.pk]))
    parts = response.context["parts"]
    assert [p["offset"] for p in parts] == [0.0, 600.0]
    assert all(tokens.verify(p["url"]).ok for p in parts)


# --- heartbeats: JSON errors -------------------------------------------------------------------------------


def test_a_heartbeat_is_answered_with_the_watch_time(lecture, trainee_a1, client_of):
    response = post_json(client_of(trainee_a1), reverse("live:heartbeat", args=[lecture.pk]), {"is_replay": False})
    assert response.status_code == 200
    assert response.json() == {
        "watched_seconds": 60,
        "credited": True,
        "attention_required": False,
        "attention_due_in": None,
        "heartbeat_seconds": sw.HEARTBEAT_SECONDS,
    }


def test_a_malformed_heartbeat_gets_a_json_error_and_changes_nothing(lecture, trainee_a1, client_of):
    client = client_of(trainee_a1)
    url = reverse("live:heartbeat", args=[lecture.pk])
    broken = client.post(url, data="{not json", content_type="application/json")
    assert broken.status_code == 400
    assert error_of(broken) == {
        "code": "invalid",
        "message": views.ERR_BAD_REQUEST,
        "fields": {"body": [views.ERR_BAD_REQUEST]},
    }
    assert post_json(client, url, ["a list"]).status_code == 400
    bad_flag = post_json(client, url, {"is_replay": "perhaps"})
    assert error_of(bad_flag)["fields"] == {"is_replay": [views.ERR_BAD_REQUEST]}
    bad_position = post_json(client, url, {"is_replay": True, "position": "Infinity"})
    assert error_of(bad_position)["fields"] == {"position": [sw.ERR_BAD_POSITION]}
    bad_venue = post_json(client, url, {"venue": "x"})
    assert error_of(bad_venue)["fields"] == {"venue": [views.ERR_BAD_REQUEST]}
    assert not WatchRecord.objects.exists()


def test_a_heartbeat_outside_the_window_gets_the_reason(office, trainee_a1, client_of):
    later = make_lecture(office=office, starts_at=timezone.now() + dt.timedelta(hours=2))
    enrol(trainee_a1, later)
    response = post_json(client_of(trainee_a1), reverse("live:heartbeat", args=[later.pk]), {})
    assert response.status_code == 400
    assert error_of(response)["message"] == sw.ERR_OUTSIDE_WINDOW
    assert not WatchRecord.objects.exists()


def test_a_heartbeat_for_a_lecture_one_may_not_attend_looks_like_an_unknown_lecture(lecture, trainee_b1, client_of):
    client = client_of(trainee_b1)
    refused = post_json(client, reverse("live:heartbeat", args=[lecture.pk]), {})
    unknown = post_json(client, reverse("live:heartbeat", args=[lecture.pk + 1000]), {})
    assert refused.status_code == unknown.status_code == 404
    assert error_of(refused) == error_of(unknown) == {"code": "not_found", "message": views.ERR_NOT_FOUND}
    assert not WatchRecord.objects.exists()


def test_an_anonymous_heartbeat_is_told_to_log_in(lecture, client):
    response = post_json(client, reverse("live:heartbeat", args=[lecture.pk]), {})
    assert response.status_code == 401
    assert error_of(response) == {"code": "not_authenticated", "message": views.ERR_LOGIN}


def test_the_heartbeat_request_stays_lean(lecture, trainee_a1, client_of, django_assert_max_num_queries):
    client = client_of(trainee_a1)
    url = reverse("live:heartbeat", args=[lecture.pk])
    post_json(client, url, {})
    # Session and account (the middleware), the lecture, then the service's lock and update.
    with django_assert_max_num_queries(8):
        assert post_json(client, url, {}).status_code == 200


def test_the_attention_answer_is_accepted_when_due(lecture, trainee_a1, client_of):
    live_settings(lecture, attention_check=True)
    client = client_of(trainee_a1)
    post_json(client, reverse("live:heartbeat", args=[lecture.pk]), {})
    WatchRecord.objects.update(attention_due_at=timezone.now() - dt.timedelta(seconds=5))
    overdue = post_json(client, reverse("live:heartbeat", args=[lecture.pk]), {}).json()
    assert overdue["attention_required"] is True
    answer = post_json(client, reverse("live:attention", args=[lecture.pk]), {"is_replay": False})
    assert answer.status_code == 200 and answer.json()["attention_due_in"] >= 5 * 60
    early = post_json(client, reverse("live:attention", args=[lecture.pk]), {"is_replay": False})
    assert early.status_code == 400 and error_of(early)["message"] == sw.ERR_ATTENTION_NOT_DUE


# --- venue mode, monitor, settings ----------------------------------------------------------------------------


def test_venue_mode_shows_the_projector_code_source_and_takes_the_headcount(
    lecture, tree, venue_operator_a1, client_of
):
    venue = lecture.training_class.enrolments.get().venue
    client = client_of(venue_operator_a1)
    page = client.get(reverse("live:venue", args=[lecture.pk, venue.pk]))
    assert page.status_code == 200
    assert reverse("training:projector", args=[lecture.pk, venue.pk]) in page.content.decode()
    url = reverse("live:venue_headcount", args=[lecture.pk, venue.pk])
    wrong = client.post(url, {"headcount": "许多"})
    assert wrong.status_code == 400 and views.ERR_BAD_HEADCOUNT in wrong.content.decode()
    too_many = client.post(url, {"headcount": str(venue.seats + 1)})
    assert too_many.status_code == 400 and "不能超过会场座位数" in too_many.content.decode()
    assert not VenueHeadcount.objects.exists()
    saved = client.post(url, {"headcount": "42"})
    assert saved.status_code == 200 and "实到人数已保存：42 人" in saved.content.decode()
    assert VenueHeadcount.objects.get().headcount == 42


def test_the_monitor_counts_viewers_now_in_the_admins_scope_only(lecture, tree, city_a_admin, client_of, trainee_b1):
    make_stream(lecture)
    enrol(trainee_b1, lecture, make_venue(tree.county_b1))
    now = timezone.now()
    WatchRecord.objects.create(lecture=lecture, user=trainee_b1, unit=tree.county_b1, last_seen_at=now)
    trainee = lecture.training_class.enrolments.get(cadre__unit=tree.county_a1).cadre.user
    WatchRecord.objects.create(lecture=lecture, user=trainee, unit=tree.county_a1, last_seen_at=now)
    panel = client_of(city_a_admin).get(reverse("live:monitor_panel")).content.decode()
    assert lecture.topic in panel and tree.county_a1.name in panel
    assert tree.county_b1.name not in panel


def test_the_settings_page_saves_and_explains_bad_input(lecture, org_admin, client_of):
    client = client_of(org_admin)
    url = reverse("live:class_settings", args=[lecture.training_class_id])
    bad = client.post(url, {"attention_check": "on", "attention_interval_minutes": "1"}, follow=True)
    assert sw.ERR_BAD_INTERVAL in bad.content.decode()
    ok = client.post(url, {"replay_counts_hours": "on", "attention_interval_minutes": "30"}, follow=True)
    assert views.MSG_SETTINGS_SAVED in ok.content.decode()
    row = lecture.training_class.live_settings
    assert (row.replay_counts_hours, row.attention_check, row.attention_interval_minutes) == (True, False, 30)
