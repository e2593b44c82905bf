"""Benchmark: glass-to-glass delay of the live HLS, ours (1 s fragments, 4 s playlist) against nginx-rtmp's
defaults (5 s fragments, 30 s playlist), both measured in this run on the real stack (nginx-rtmp + app).

The studio is ffmpeg sending a test pattern in real time (-re) with a keyframe every second, as the
publishing page tells the studio to. ffmpeg reports, ten times a second, how far its output has got
(`-progress`): a frame with timestamp p leaves ffmpeg at t0 + p, t0 being the smallest (wall clock −
output time) seen. A poller fetches the signed playlist through nginx every 50 ms and notes when each
segment first appears; ffprobe reads the video timestamps of every segment. A frame becomes playable as
hls.js plays a live stream by default: the player holds back 3 target durations behind the newest
segment (liveSyncDurationCount = 3), so frame p is shown once a segment ending at or after
p + 3 × TARGETDURATION is available. Delay = that moment − t0 − p, over every video frame.
Run: .venv/bin/python bench/live_delay.py  (BENCH_LIVE_DELAY_SECONDS=45 per configuration)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _common import free_port, pct, prepare

PG_URL = os.environ.get("BENCH_LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peixun_bench_live")
TMP, ON_PG, ENV = prepare(name="live_delay", pg_url=PG_URL)

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from peixun.accounts.models import User  # noqa: E402
from peixun.accounts.roles import Role  # noqa: E402
from peixun.core.stack import Stack  # noqa: E402
from peixun.live import testing, tokens  # noqa: E402
from peixun.live.models import LiveStream  # noqa: E402
from peixun.live.services import encoder_stream_key  # noqa: E402
from peixun.org.tests.factories import grant  # noqa: E402
from peixun.training.tests.factories import LectureFactory  # noqa: E402

SECONDS = float(os.environ.get("BENCH_LIVE_DELAY_SECONDS", "45"))
HOLD_BACK = 3  # hls.js liveSyncDurationCount
# nginx-rtmp writes every MPEG-TS timestamp 0.7 s late (NGX_RTMP_HLS_DELAY = 63000 ticks of 90 kHz).
TS_OFFSET = 0.7
CONFIGS = {"ours": ("1s", "4s"), "baseline": ("5s", "30s")}


def progress_reader(process: subprocess.Popen[bytes], samples: list[tuple[float, float]]) -> None:
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.decode(errors="replace").strip()
        if line.startswith("out_time_us=") and line[12:].isdigit():
            samples.append((time.time(), int(line[12:]) / 1e6))


def video_pts(path: Path) -> list[float]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time", "-of", "json",
         str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    packets = json.loads(out.stdout)["packets"]
    return sorted(float(p["pts_time"]) - TS_OFFSET for p in packets if "pts_time" in p)


def measure(name: str, fragment: str, playlist: str, viewer: User) -> dict[str, float]:
    var = Path(tempfile.mkdtemp(prefix=f"live-delay-{name}-", dir=TMP))
    env = {**os.environ, "PEIXUN_LIVE_HLS_FRAGMENT": fragment, "PEIXUN_LIVE_HLS_PLAYLIST": playlist}
    stack = Stack(
        port=free_port(), app_port=free_port(), rtmp_port=free_port(), host="127.0.0.1", var_dir=var,
        static_root=var / "static", media_root=var / "media", env=env, log_dir=var / "logs", celery=False,
    )  # fmt: skip
    lecture = LectureFactory(is_live=True, starts_at=timezone.now() - dt.timedelta(minutes=1), duration_minutes=60)
    stream = LiveStream.objects.create(lecture=lecture)
    connection.close()
    stack.start()
    seen: dict[str, float] = {}
    files: dict[str, Path] = {}
    target = [1.0]
    try:
        url = stack.url.rstrip("/") + tokens.playback_url(stream=stream, user=viewer)
        argv = testing.publish_argv(
            f"rtmp://127.0.0.1:{stack.rtmp_port}/live/{encoder_stream_key(stream)}", seconds=SECONDS
        )
        argv[1:1] = ["-progress", "pipe:1", "-stats_period", "0.1"]
        studio = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        samples: list[tuple[float, float]] = []
        threading.Thread(target=progress_reader, args=(studio, samples), daemon=True).start()
        while studio.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    body = response.read().decode()
            except OSError:
                time.sleep(0.05)
                continue
            now = time.time()
            if m := re.search(r"#EXT-X-TARGETDURATION:(\d+)", body):
                target[0] = float(m.group(1))
            for segment in testing.segments(body):
                if segment not in seen:
                    seen[segment] = now
                    files[segment] = var / segment
                    files[segment].write_bytes(testing.http_get(url.rsplit("/", 1)[0] + "/" + segment))
            time.sleep(0.05)
    finally:
        stack.stop()
    t0 = min(wall - out for wall, out in samples)
    spans = []
    for segment, available in seen.items():
        pts = video_pts(files[segment])
        if pts:
            spans.append((pts, pts[-1] + 0.04, available))  # 25 fps: the last frame lasts 40 ms
    if os.environ.get("BENCH_LIVE_DEBUG"):
        print("t0", t0, "samples", [(round(w - t0, 2), o) for w, o in samples[::20]])
        print("spans", [(round(p[0], 2), round(e, 2), round(a - t0, 2)) for p, e, a in sorted(spans)])
    lags = [available - (t0 + end) for _, end, available in spans]
    delays = {count: playable_delays(spans, t0, count * target[0]) for count in (HOLD_BACK, 2)}
    return {"p50": pct(delays[HOLD_BACK], 0.5), "p95": pct(delays[HOLD_BACK], 0.95), "lag95": pct(lags, 0.95),
            "p95_hold2": pct(delays[2], 0.95), "td": target[0], "frames": len(delays[HOLD_BACK]),
            "segments": len(spans)}  # fmt: skip


def playable_delays(spans: list[tuple[list[float], float, float]], t0: float, hold: float) -> list[float]:
    """Per frame: the first moment a segment ending at or after its timestamp + hold is listed, minus its send time."""
    delays = []
    for pts, _, _ in spans:
        for p in pts:
            shown = [a for _, e, a in spans if e >= p + hold]
            if shown:
                delays.append(min(shown) - (t0 + p))
    return delays


def main() -> None:
    call_command("migrate", verbosity=0)
    viewer = grant(User.objects.create(username="delay-viewer", display_name="观看者"), Role.ORG_ADMIN)
    results = {name: measure(name, *config, viewer) for name, config in CONFIGS.items()}
    ours, base = results["ours"], results["baseline"]
    print(
        f"# {SECONDS:.0f} s of 320x240 25 fps test pattern per configuration, keyframe every 1 s; player hold-back "
        f"{HOLD_BACK} target durations (hls.js default); ours TARGETDURATION {ours['td']:.0f} s, {ours['segments']} "
        f"segments, {ours['frames']} frames; baseline TARGETDURATION {base['td']:.0f} s, {base['segments']} segments; "
        f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"live glass-to-glass delay p95: {ours['p95']:.2f} s (target <= 5 s, stretch 3 s; baseline "
        f"{base['p95']:.2f} s with nginx-rtmp defaults 5 s fragments / 30 s playlist, "
        f"ratio {ours['p95'] / base['p95']:.2f})"
    )
    print(
        f"live glass-to-glass delay p50: {ours['p50']:.2f} s (target <= 5 s at p95; baseline {base['p50']:.2f} s, "
        f"ratio {ours['p50'] / base['p50']:.2f})"
    )
    print(
        f"live glass-to-glass delay p95 with a 2-segment hold-back (hls.js liveSyncDurationCount: 2): "
        f"{ours['p95_hold2']:.2f} s (target <= 3 s stretch; baseline {base['p95_hold2']:.2f} s, "
        f"ratio {ours['p95_hold2'] / base['p95_hold2']:.2f})"
    )
    print(
        f"live segment availability lag p95 (end of segment to listed): {ours['lag95']:.2f} s (target < 1 s; "
        f"baseline {base['lag95']:.2f} s, ratio {ours['lag95'] / max(base['lag95'], 1e-9):.2f})"
    )


if __name__ == "__main__":
    main()
