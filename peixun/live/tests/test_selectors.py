from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peixun.live import rtmp
from peixun.live.models import StreamStatus
from peixun.live.selectors import live_streams_overview
from peixun.live.tests.delivery_data import enrolled_fixture, lecture_fixture, stream_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

STAT = b"""<?xml version="1.0"?><rtmp><server><application><name>live</name><live>
<stream><name>%s</name><time>65000</time><bw_in>2600000</bw_in><bw_video>2470000</bw_video>
<meta><video><width>1280</width><height>720</height><frame_rate>25</frame_rate></video></meta>
<client><id>9</id><publishing/></client><client><id>10</id></client><publishing/></stream>
</live></application></server></rtmp>"""


def test_it_parses_nginx_rtmps_stat() -> None:
    stat = rtmp.parse_stat(STAT % b"abc")["abc"]
    assert (stat.uptime_seconds, stat.bitrate_kbps, stat.width, stat.height) == (65.0, 2600.0, 1280, 720)
    assert stat.publishing and stat.players == 1


def test_the_overview_lists_live_lectures_the_actor_may_attend(
    stream, enrolled, trainee_b1, settings, tmp_path
) -> None:
    settings.VAR_DIR = tmp_path  # no nginx here: bitrate 0, uptime from our own bookkeeping
    started = timezone.now()
    stream.status, stream.publishing_since = StreamStatus.LIVE, started
    stream.save()
    rows = live_streams_overview(actor=enrolled, now=started + dt.timedelta(seconds=30))
    assert [(r.lecture.pk, r.uptime_seconds, r.bitrate_kbps) for r in rows] == [(stream.lecture.pk, 30.0, 0.0)]
    assert live_streams_overview(actor=trainee_b1) == []
