from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from peixun.live import signing, tokens
from peixun.live.models import Recording, RecordingStatus
from peixun.live.tests.delivery_data import enrolled_fixture, lecture_fixture, stream_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_playback_url_verifies_until_it_expires(stream, enrolled) -> None:
    now = timezone.now()
    url = tokens.playback_url(stream=stream, user=enrolled, now=now)
    assert url.startswith(f"/hls/{enrolled.pk}/") and url.endswith(f"/{stream.name}/index.m3u8")
    assert tokens.verify(url, now=now).ok
    assert tokens.verify(url.replace("index.m3u8", "17.ts"), now=now).ok  # segments inherit the token
    assert tokens.verify(url, now=now + dt.timedelta(seconds=180)).ok
    assert not tokens.verify(url, now=now + dt.timedelta(seconds=181)).ok


def test_it_signs_what_nginx_secure_link_md5_computes(settings) -> None:
    # nginx: secure_link_md5 "$exp$name$uid secret", base64url without padding (echo -n ... | md5 | base64)
    assert (
        signing.sign("s3cret", expires=1700000000, resource="abc", uid=7) == "R7zrJBsUFrzHJe0jJmWD7A"
    )  # openssl md5 -binary | base64url


def test_a_tampered_foreign_or_moved_token_does_not_verify(stream, enrolled, trainee_b1) -> None:
    url = tokens.playback_url(stream=stream, user=enrolled)
    parts = url.split("/")
    token = parts[4]
    tampered = "/".join([*parts[:4], ("A" if token[0] != "A" else "B") + token[1:], *parts[5:]])
    assert not tokens.verify(tampered).ok
    assert not tokens.verify(url.replace(stream.name, "0" * 16)).ok
    assert not tokens.verify(url.replace(f"/hls/{enrolled.pk}/", f"/hls/{trainee_b1.pk}/")).ok
    assert not tokens.verify(url.replace(parts[3], str(int(parts[3]) + 60))).ok
    assert not tokens.verify(url.replace("/hls/", "/replay/")).ok


def test_it_refuses_to_sign_for_someone_who_may_not_attend(stream, trainee_b1) -> None:
    with pytest.raises(PermissionDenied, match=tokens.ERR_NOT_ALLOWED):
        tokens.playback_url(stream=stream, user=trainee_b1)


def test_a_replay_url_lasts_the_recording_plus_a_margin_and_needs_a_ready_recording(stream, enrolled) -> None:
    recording = Recording.objects.create(stream=stream, source_path="/x.flv")
    with pytest.raises(PermissionDenied, match=tokens.ERR_REPLAY_NOT_READY):
        tokens.replay_url(recording=recording, user=enrolled)
    recording.status, recording.mp4_path, recording.duration_seconds = RecordingStatus.READY, "/r/a-1.mp4", 3600.5
    now = timezone.now()
    url = tokens.replay_url(recording=recording, user=enrolled, now=now)
    assert url.endswith("/a-1.mp4")
    verdict = tokens.verify(url, now=now)
    assert verdict.ok and verdict.expires == int(now.timestamp()) + 3601 + 1800


def test_the_secrets_differ_by_purpose_and_follow_the_own_secret(settings) -> None:
    first = {tokens.hls_secret(), tokens.replay_secret(), tokens.hook_secret()}
    assert len(first) == 3
    settings.PEIXUN_LIVE_TOKEN_SECRET = "another"
    assert tokens.hls_secret() == signing.derive("another", signing.HLS_PURPOSE)
    assert tokens.hls_secret() not in first
