"""The player plays a real broadcast: an ffmpeg test pattern published to the real nginx-rtmp, HLS served by
the real nginx behind signed URLs, watched by an enrolled trainee in Chromium.

It checks that the picture moves (the video's currentTime advances), that the moving watermark shows the
viewer's name and employee number on top of the picture, that the delay behind live is measured, that
heartbeats become study time, and that the player recovers on its own when the studio drops and returns.
The screenshot is kept in the test's tmp dir.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from peixun.core.stack import Stack
from peixun.live import testing
from peixun.live.models import LiveStream, Recording, RecordingStatus, StreamStatus, WatchRecord
from peixun.live.services import encoder_stream_key
from peixun.live.tests.watch_data import enrol, make_lecture, make_venue
from peixun.offices.models import ResearchOffice
from peixun.org.tests.factories import cadre_user
from peixun.training.models import CheckIn, Lecture, VenueHeadcount
from tests.browser.conftest import login
from tests.stack.conftest import make_stack, stack_env, stack_static_root  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATERMARK_ON_TOP = """() => {
  const mark = document.getElementById('live-watermark');
  const video = document.getElementById('live-video');
  if (!mark) return null;
  const r = mark.getBoundingClientRect();
  const v = video.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  return {
    text: mark.textContent,
    onTop: document.elementFromPoint(x, y) === mark,
    overVideo: x > v.left && x < v.right && y > v.top && y < v.bottom,
    visible: getComputedStyle(mark).visibility === 'visible' && parseFloat(getComputedStyle(mark).opacity) >= 0.5,
  };
}"""


# Signed playlist URLs live this long here (180 s in production), so that the player must swap in fresh
# ones several times while the test watches; an old token would get 403 from nginx.
TOKEN_SECONDS = 15


@pytest.fixture(scope="module")
def live_stack(
    stack_env: dict[str, str],  # noqa: F811
    stack_static_root: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    env = {**stack_env, "PEIXUN_LIVE_TOKEN_SECONDS": str(TOKEN_SECONDS)}
    running = make_stack(env, tmp_path_factory.mktemp("live-stack-var"), stack_static_root)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def publish(running: Stack, stream: LiveStream, seconds: float) -> subprocess.Popen[bytes]:
    url = f"rtmp://127.0.0.1:{running.rtmp_port}/live/{encoder_stream_key(stream)}"
    return testing.publish(url, seconds=seconds, size="640x360")


def current_time(page: Page) -> float:
    return float(page.evaluate("() => document.getElementById('live-video').currentTime"))


def wait_playing(page: Page, timeout_ms: int = 40000) -> None:
    page.wait_for_function(
        "() => { const v = document.getElementById('live-video'); return v && v.currentTime > 1 && !v.paused; }",
        timeout=timeout_ms,
    )


def test_a_trainee_watches_the_live_broadcast_with_a_watermark_and_it_recovers(
    page: Page,
    live_stack: Stack,
    tmp_path: Path,
    tree,
    office: ResearchOffice,
) -> None:
    trainee = cadre_user(unit=tree.county_a1, name="王直播")
    lecture = make_lecture(office=office, starts_at=timezone.now() - dt.timedelta(minutes=5), duration_minutes=60)
    enrol(trainee, lecture)
    stream = LiveStream.objects.create(lecture=lecture)

    stack = live_stack
    hls_answers: list[tuple[str, int]] = []
    page.on("response", lambda r: hls_answers.append((r.url, r.status)) if "/hls/" in r.url else None)
    studio = publish(stack, stream, seconds=25)
    try:
        base = stack.url.rstrip("/")
        login(page, base, trainee.username)
        page.goto(f"{base}/live/lectures/{lecture.pk}/watch/")
        wait_playing(page)

        # The picture moves.
        before = current_time(page)
        page.wait_for_timeout(2500)
        assert current_time(page) > before + 1.5

        # The live badge and the measured delay behind live.
        assert page.locator("#live-badge").is_visible()
        page.wait_for_function("() => document.getElementById('live-player').dataset.latency", timeout=10000)
        latency = float(page.get_attribute("#live-player", "data-latency") or "0")
        assert 0 < latency < 15
        assert "延迟" in page.inner_text("#live-latency")

        # The watermark names the viewer and lies on top of the picture.
        cadre = trainee.cadre
        mark = page.evaluate(WATERMARK_ON_TOP)
        assert mark == {
            "text": f"{cadre.name} {cadre.employee_number}",
            "onTop": True,
            "overVideo": True,
            "visible": True,
        }
        screenshot = tmp_path / "live-player.png"
        page.screenshot(path=str(screenshot))
        assert screenshot.stat().st_size > 10_000

        # Removing it brings it back, and it moves.
        first = page.evaluate("() => document.getElementById('live-watermark').getBoundingClientRect().left")
        page.evaluate("() => document.getElementById('live-watermark').remove()")
        page.wait_for_function("() => document.getElementById('live-watermark')", timeout=3000)
        page.wait_for_timeout(6000)
        moved = page.evaluate("() => document.getElementById('live-watermark').getBoundingClientRect().left")
        assert moved != first
        assert page.evaluate(WATERMARK_ON_TOP)["onTop"] is True

        # The signed URL was renewed on the way (the token is a path prefix) and nginx never refused one.
        tokens_used = {url.split("/hls/", 1)[1].split("/")[2] for url, _ in hls_answers if url.endswith(".ts")}
        assert len(tokens_used) >= 2, hls_answers
        assert not [a for a in hls_answers if a[1] == 403]

        # The heartbeat became watch time in training's check-in.
        record = testing.wait_for(lambda: WatchRecord.objects.filter(lecture=lecture, user=trainee).first(), 20)
        assert record is not None and record.watched_seconds >= 60
        assert CheckIn.objects.get(lecture=lecture, cadre=cadre).watched_seconds >= 60

        # The studio drops: the player says so, and waits.
        studio.wait(timeout=40)
        assert testing.wait_for(lambda: LiveStream.objects.get(pk=stream.pk).status == StreamStatus.ENDED, 20)
        page.wait_for_function(
            "() => { const m = document.getElementById('live-message');"
            " return !m.hidden && m.textContent.includes('中断'); }",
            timeout=40000,
        )
        page.screenshot(path=str(tmp_path / "live-player-interrupted.png"))

        # The studio returns: the player picks the broadcast up again by itself.
        studio = publish(stack, stream, seconds=25)
        page.wait_for_function("() => document.getElementById('live-message').hidden", timeout=40000)
        resumed = current_time(page)
        page.wait_for_timeout(2500)
        assert current_time(page) > resumed + 1.5
        assert page.evaluate(WATERMARK_ON_TOP)["onTop"] is True
        page.screenshot(path=str(tmp_path / "live-player-resumed.png"))

        # After the lecture: the recordings are replayed through nginx's signed links, watermarked too.
        studio.wait(timeout=40)
        ready = testing.wait_for(
            lambda: Recording.objects.filter(stream=stream, status=RecordingStatus.READY).count() == 2, 60
        )
        assert ready, list(Recording.objects.filter(stream=stream).values("status", "error"))
        Lecture.objects.filter(pk=lecture.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
        )
        page.goto(f"{base}/live/lectures/{lecture.pk}/replay/")
        page.evaluate("() => document.getElementById('live-video').play()")
        wait_playing(page, timeout_ms=20000)
        assert page.evaluate(WATERMARK_ON_TOP)["text"] == f"{cadre.name} {cadre.employee_number}"
        page.screenshot(path=str(tmp_path / "live-replay.png"))
    finally:
        if studio.poll() is None:
            studio.terminate()
            studio.wait(timeout=10)


def test_a_venue_operator_projects_the_player_with_the_check_in_code_and_enters_the_headcount(
    page: Page, live_server, tree, office: ResearchOffice, venue_operator_a1, tmp_path: Path
) -> None:
    lecture = make_lecture(office=office, starts_at=timezone.now() + dt.timedelta(minutes=20))
    venue = make_venue(tree.county_a1, seats=80)
    enrol(cadre_user(unit=tree.county_a1, name="李学员"), lecture, venue)
    login(page, live_server.url, venue_operator_a1.username)
    page.goto(f"{live_server.url}/live/lectures/{lecture.pk}/venue/{venue.pk}/")
    assert "等待直播开始" in page.inner_text("#live-message")
    # training's rotating check-in code for this venue
    page.wait_for_function("() => (document.getElementById('venue-qr').src || '').startsWith('data:image/png')")
    assert f"/training/lectures/{lecture.pk}/checkin/{venue.pk}/" in (page.get_attribute("#venue-qr", "data-url") or "")
    assert page.evaluate(WATERMARK_ON_TOP)["onTop"] is True
    page.fill("input[name=headcount]", "81")
    page.click(".venue-headcount-form button")
    assert "不能超过会场座位数" in page.inner_text("#venue-headcount-error")
    page.fill("input[name=headcount]", "57")
    page.click(".venue-headcount-form button")
    assert "57 人" in page.inner_text("#venue-headcount-saved")
    assert VenueHeadcount.objects.get(lecture=lecture, venue=venue).headcount == 57
    page.screenshot(path=str(tmp_path / "venue-mode.png"))
