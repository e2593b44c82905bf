"""Publishing through the real nginx-rtmp: the key, the window, one publisher, HLS out, the recording."""

from __future__ import annotations

import datetime as dt
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from peixun.core.stack import Stack
from peixun.live import testing
from peixun.live.models import LiveStream, Recording, RecordingStatus, StreamStatus
from peixun.live.selectors import live_streams_overview
from peixun.live.services import encoder_stream_key, stream_rotate_key
from peixun.live.tokens import playback_url, replay_url
from peixun.training.tests.factories import LectureFactory

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 8.0


def rtmp_url(stack: Stack, key: str) -> str:
    return f"rtmp://127.0.0.1:{stack.rtmp_port}/live/{key}"


def key_of(stream: LiveStream) -> str:
    return encoder_stream_key(stream)


def live_stream(starts_in: dt.timedelta = dt.timedelta(minutes=-5)) -> LiveStream:
    lecture = LectureFactory(is_live=True, starts_at=timezone.now() + starts_in, duration_minutes=60)
    return LiveStream.objects.create(lecture=lecture)


def refused(stack: Stack, key: str) -> bool:
    """ffmpeg gives up quickly when nginx refuses the publish; a timeout means it was let in."""
    process = testing.publish(rtmp_url(stack, key), seconds=4)
    try:
        code = process.wait(timeout=15)
    except Exception:
        process.kill()
        raise
    return code != 0


def test_it_refuses_a_wrong_key(stack: Stack) -> None:
    stream = live_stream()
    assert refused(stack, "not-the-key")
    assert refused(stack, f"{stream.name}?key=wrong")
    assert refused(stack, f"{stream.name}")
    stream.refresh_from_db()
    assert stream.status == StreamStatus.IDLE


def test_it_refuses_the_right_key_outside_the_lectures_window(stack: Stack) -> None:
    early = live_stream(starts_in=dt.timedelta(hours=3))
    late = live_stream(starts_in=dt.timedelta(hours=-5))
    assert refused(stack, key_of(early))
    assert refused(stack, key_of(late))


def test_the_right_key_publishes_hls_and_a_recording_that_becomes_an_mp4(stack: Stack, org_admin) -> None:
    stream = live_stream()
    studio = testing.publish(rtmp_url(stack, key_of(stream)), seconds=SECONDS)
    base = stack.url.rstrip("/")
    url = base + playback_url(stream=stream, user=org_admin)
    try:
        assert testing.wait_for(lambda: testing.http_status(url) == 200, timeout=15), "no playlist"
        stream.refresh_from_db()
        assert stream.status == StreamStatus.LIVE
        # The key never appears on disk or in URLs: HLS is written under the public name.
        assert (stack.live_dir / "hls" / stream.name / "index.m3u8").exists()
        assert [p.name for p in (stack.live_dir / "hls").iterdir()] == [stream.name]
        assert stream.publish_key not in (stack.nginx_dir / "logs" / "rtmp-access.log").read_text()

        # A second encoder with the same key is refused while the first is live.
        assert refused(stack, key_of(stream))

        playlist = testing.http_get(url).decode()
        names = testing.segments(playlist)
        assert names and all(n.endswith(".ts") for n in names)
        segment = url.rsplit("/", 1)[0] + "/" + names[-1]
        assert sorted(set(testing.probe_streams(segment))) == ["audio", "video"]
    finally:
        assert studio.wait(timeout=SECONDS + 20) == 0, studio.stderr.read() if studio.stderr else ""

    assert testing.wait_for(lambda: LiveStream.objects.get(pk=stream.pk).status == StreamStatus.ENDED, timeout=15)
    recording = testing.wait_for(
        lambda: Recording.objects.filter(stream=stream, status=RecordingStatus.READY).first(), timeout=30
    )
    assert recording is not None, list(Recording.objects.filter(stream=stream).values("status", "error"))
    assert Path(recording.mp4_path).suffix == ".mp4"
    assert recording.duration_seconds == pytest.approx(SECONDS, abs=1.0)
    assert sorted(set(testing.probe_streams(recording.mp4_path))) == ["audio", "video"]

    # The replay is served by nginx behind the same kind of signed path, with ranges for seeking.
    replay = base + replay_url(recording=recording, user=org_admin)
    request = urllib.request.Request(replay, headers={"Range": "bytes=0-99"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 206
        assert response.headers["Content-Type"] == "video/mp4"
        assert len(response.read()) == 100
    assert testing.http_status(replay.replace(f"/replay/{org_admin.pk}/", f"/replay/{org_admin.pk + 1}/")) == 403
    assert testing.http_status(base + "/replay/" + Path(recording.mp4_path).name) == 403


def test_the_monitor_reads_nginxs_stat_and_a_key_rotation_drops_the_live_publisher(
    stack: Stack, org_admin, settings
) -> None:
    settings.VAR_DIR = stack.var_dir  # the app's side of the unix socket, as in the stack's own processes
    stream = live_stream()
    studio = testing.publish(rtmp_url(stack, key_of(stream)), seconds=30)
    try:
        assert testing.wait_for(lambda: LiveStream.objects.get(pk=stream.pk).status == StreamStatus.LIVE, timeout=15)
        rows = testing.wait_for(
            lambda: [r for r in live_streams_overview(actor=org_admin) if r.bitrate_kbps > 0], timeout=15
        )
        assert [(r.stream.pk, r.width, r.height) for r in rows] == [(stream.pk, 320, 240)]
        old_key = key_of(stream)
        stream_rotate_key(actor=org_admin, stream=stream)
        # The encoder with the old key is cut off at once, long before its 30 s are up.
        assert studio.wait(timeout=10) != 0
    finally:
        if studio.poll() is None:
            studio.kill()
    assert refused(stack, old_key)
