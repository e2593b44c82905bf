"""Authorised delivery through the real nginx: every playlist and segment needs a valid, fresh, own token."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.utils import timezone

from peixun.core.stack import Stack
from peixun.live import testing, tokens
from peixun.live.models import LiveStream
from peixun.live.services import encoder_stream_key
from peixun.training.tests.factories import LectureFactory

pytestmark = pytest.mark.django_db(transaction=True)


# http://host:port/hls/<uid>/<expires>/<token>/<name>/<file>
EXPIRES, TOKEN = 5, 6


def tamper(url: str) -> str:
    parts = url.split("/")
    token = parts[TOKEN]
    parts[TOKEN] = ("A" if token[0] != "A" else "B") + token[1:]
    return "/".join(parts)


def with_file(playlist_url: str, name: str) -> str:
    return playlist_url.rsplit("/", 1)[0] + "/" + name


def test_only_fresh_untampered_tokens_of_this_stream_fetch_playlists_and_segments(stack: Stack, org_admin) -> None:
    now = timezone.now()
    streams = [
        LiveStream.objects.create(lecture=LectureFactory(is_live=True, starts_at=now, duration_minutes=60))
        for _ in range(2)
    ]
    mine, other = streams
    studio = testing.publish(f"rtmp://127.0.0.1:{stack.rtmp_port}/live/{encoder_stream_key(mine)}", seconds=12)
    base = stack.url.rstrip("/")
    try:
        good = base + tokens.playback_url(stream=mine, user=org_admin)
        assert testing.wait_for(lambda: testing.http_status(good) == 200, timeout=15)
        segment = testing.segments(testing.http_get(good).decode())[-1]

        expired = base + tokens.playback_url(stream=mine, user=org_admin, now=now - dt.timedelta(minutes=10))
        other_url = base + tokens.playback_url(stream=other, user=org_admin)
        foreign = other_url.replace(other.name, mine.name)  # a token of another stream on this one
        other_uid = good.replace(f"/hls/{org_admin.pk}/", f"/hls/{org_admin.pk + 1}/")
        no_token = f"{base}/hls/{mine.name}/index.m3u8"

        playlist_headers = testing.http_headers(good)
        assert playlist_headers["content-type"] == "application/vnd.apple.mpegurl"
        assert playlist_headers["cache-control"] == "no-cache"
        segment_headers = testing.http_headers(with_file(good, segment))
        assert segment_headers["content-type"] == "video/mp2t"
        assert segment_headers["cache-control"] == "private, max-age=60"
        for bad in (expired, tamper(good), foreign, other_uid):
            assert tokens.verify(bad.removeprefix(base)).ok is False
            assert testing.http_status(bad) == 403, bad
            assert testing.http_status(with_file(bad, segment)) == 403, bad
        assert testing.http_status(no_token) == 403
        assert testing.http_status(f"{base}/hls/{org_admin.pk}/1/x/{mine.name}/{segment}") == 403
        # Nobody plays the RTMP stream directly, which would bypass the tokens.
        play = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-rw_timeout",
                "5000000",
                f"rtmp://127.0.0.1:{stack.rtmp_port}/live/{mine.name}",
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert play.returncode != 0
        # The expiry travels in the path: moving it forward breaks the signature.
        later = good.split("/")
        later[EXPIRES] = str(int(later[EXPIRES]) + 3600)
        assert testing.http_status("/".join(later)) == 403
    finally:
        studio.wait(timeout=40)


def test_the_rtmp_stat_control_and_callbacks_are_not_reachable_through_the_public_port(stack: Stack) -> None:
    base = stack.url.rstrip("/")
    for path in ("/stat", "/control/drop/publisher?app=live&name=x", "/rtmp-control.sock"):
        assert testing.http_status(base + path) in {403, 404}, path
    secret = tokens.hook_secret()
    for hook in ("publish", "publish-done", "record-done", "update", "hls-auth"):
        assert testing.http_status(f"{base}/live/hooks/{secret}/{hook}/") == 404, hook
    # Nothing else listens for HTTP on the RTMP port either.
    assert testing.http_status(f"http://127.0.0.1:{stack.rtmp_port}/stat", timeout=3) != 200
