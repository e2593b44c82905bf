"""An ffmpeg test pattern as the studio, for the stack tests and the live benchmarks."""

from __future__ import annotations

import http.client
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from peixun.live.jobs import FFMPEG, FFPROBE


def publish_argv(url: str, *, seconds: float, size: str = "320x240", fps: int = 25, overlay: str = "") -> list[str]:
    """A real-time H.264/AAC test pattern with a keyframe every second, as the studio's encoder sends."""
    video = f"testsrc2=size={size}:rate={fps}"
    if overlay:
        video += "," + overlay
    return [
        FFMPEG, "-nostdin", "-v", "error", "-re",
        "-f", "lavfi", "-i", video,
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", str(seconds),
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-g", str(fps), "-keyint_min", str(fps), "-sc_threshold", "0", "-bf", "0",
        "-c:a", "aac", "-b:a", "64k",
        "-f", "flv", url,
    ]  # fmt: skip


def publish(url: str, *, seconds: float, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        publish_argv(url, seconds=seconds, **kwargs),  # type: ignore[arg-type]
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def http_status(url: str, timeout: float = 5) -> int:
    """The HTTP status, or 0 when nothing answers HTTP there."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own stack
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (OSError, http.client.HTTPException):
        return 0


def http_headers(url: str, timeout: float = 5) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own stack
        response.read()
        return {k.lower(): v for k, v in response.headers.items()}


def http_get(url: str, timeout: float = 5) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own stack
        return bytes(response.read())


def wait_for(predicate, timeout: float, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def segments(playlist: str) -> list[str]:
    return [line.strip() for line in playlist.splitlines() if line.strip() and not line.startswith("#")]


def probe_streams(source: str | Path) -> list[str]:
    """codec_type of each decodable stream (ffprobe decodes frames with -count_frames)."""
    out = subprocess.run(
        [FFPROBE, "-v", "error", "-count_frames", "-show_entries", "stream=codec_type,nb_read_frames",
         "-of", "csv=p=0", str(source)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return [line.split(",")[0] for line in out.stdout.split() if line and not line.endswith(",0")]
