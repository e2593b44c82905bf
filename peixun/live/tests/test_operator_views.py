from __future__ import annotations

import pytest
from django.urls import reverse

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent
from peixun.live.models import LiveStream
from peixun.live.tests.delivery_data import enrolled_fixture, lecture_fixture, stream_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_main_venues_operator_sees_server_settings_and_a_hidden_key(lecture, venue_operator_a1, client_of) -> None:
    response = client_of(venue_operator_a1).get(reverse("live:publish", args=[lecture.pk]))
    assert response.status_code == 200
    stream = LiveStream.objects.get(lecture=lecture)
    page = response.content.decode()
    assert "rtmp://testserver:" in page and "/live</code>" in page
    assert "关键帧间隔 1 秒" in page and "-g 25 -keyint_min 25" in page
    assert stream.publish_key not in page
    assert "未开始" in page


def test_revealing_shows_the_key_and_the_ffmpeg_line_and_rotating_replaces_it(
    lecture,
    venue_operator_a1,
    client_of,
) -> None:
    client = client_of(venue_operator_a1)
    client.get(reverse("live:publish", args=[lecture.pk]))
    stream = LiveStream.objects.get(lecture=lecture)
    shown = client.post(reverse("live:publish_key", args=[lecture.pk])).content.decode()
    assert f"{stream.name}?key={stream.publish_key}" in shown
    assert f"/live/{stream.name}?key={stream.publish_key}</pre>" in shown  # the ffmpeg command line
    rotated = client.post(reverse("live:publish_rotate", args=[lecture.pk])).content.decode()
    stream.refresh_from_db()
    assert f"?key={stream.publish_key}" in rotated and "已更换推流码" in rotated
    assert set(AuditEvent.objects.values_list("event", flat=True)) >= {Event.LIVE_KEY_REVEAL, Event.LIVE_KEY_ROTATE}


def test_others_get_404_and_no_stream_is_made(lecture, trainee_a1, county_a1_admin, client_of) -> None:
    for user in (trainee_a1, county_a1_admin):
        client = client_of(user)
        assert client.get(reverse("live:publish", args=[lecture.pk])).status_code == 404
        assert client.post(reverse("live:publish_rotate", args=[lecture.pk])).status_code == 404
    assert not LiveStream.objects.exists()


def test_the_publishing_list_shows_the_lectures_one_may_run(lecture, venue_operator_a1, trainee_a1, client_of) -> None:
    page = client_of(venue_operator_a1).get(reverse("live:publish_list")).content.decode()
    assert lecture.topic in page and reverse("live:publish", args=[lecture.pk]) in page
    assert lecture.topic not in client_of(trainee_a1).get(reverse("live:publish_list")).content.decode()
