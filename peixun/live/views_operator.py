"""The main venue's publishing page: server URL, publish key (reveal, rotate), encoder settings, status."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from peixun.live import rtmp, services
from peixun.live.selectors import lecture_for_operator, lectures_for_operator

# What we tell the studio: 1 s keyframes match the 1 s HLS fragments, so every fragment starts on a
# keyframe and the delay stays near 3 s; no B-frames and zerolatency keep the encoder from buffering.
ENCODER = {
    "resolution": "1280x720",
    "fps": 25,
    "video_kbps": 2500,
    "audio_kbps": 128,
    "keyframe_seconds": 1,
}


def rtmp_server_url(request: HttpRequest) -> str:
    host = request.get_host().rsplit(":", 1)[0] if not request.get_host().endswith("]") else request.get_host()
    port = os.environ.get("PEIXUN_RTMP_PORT", "1935") or "1935"
    return f"rtmp://{host}:{port}/live"


def ffmpeg_command(server: str, key: str) -> str:
    fps = ENCODER["fps"]
    gop = fps * ENCODER["keyframe_seconds"]
    kbps = ENCODER["video_kbps"]
    return (
        'ffmpeg -f dshow -i video="摄像机名称":audio="麦克风名称" '
        f"-c:v libx264 -preset veryfast -tune zerolatency -profile:v high -pix_fmt yuv420p "
        f"-s {ENCODER['resolution']} -r {fps} -g {gop} -keyint_min {gop} -sc_threshold 0 -bf 0 "
        f"-b:v {kbps}k -maxrate {kbps}k -bufsize {kbps * 2}k "
        f"-c:a aac -b:a {ENCODER['audio_kbps']}k -ar 44100 "
        f"-f flv {server}/{key}"
    )


def _context(request: HttpRequest, lecture_id: int, *, key: str = "") -> dict[str, object]:
    lecture = lecture_for_operator(actor=request.user, lecture_id=lecture_id)  # type: ignore[arg-type]
    stream = services.stream_ensure(actor=request.user, lecture=lecture)  # type: ignore[arg-type]
    server = rtmp_server_url(request)
    return {
        "lecture": lecture,
        "stream": stream,
        "server": server,
        "key": key,
        "encoder": ENCODER,
        "ffmpeg": ffmpeg_command(server, key or "<推流码>"),
        "stat": rtmp.stream_stats().get(stream.name),
        "window": services.publish_window(lecture),
    }


@login_required
@require_GET
def publish_list(request: HttpRequest) -> HttpResponse:
    lectures = lectures_for_operator(actor=request.user)  # type: ignore[arg-type]
    return render(request, "live/publish_list.html", {"lectures": lectures})


@login_required
@require_GET
def publish_page(request: HttpRequest, lecture_id: int) -> HttpResponse:
    return render(request, "live/publish.html", _context(request, lecture_id))


@login_required
@require_POST
def key_reveal(request: HttpRequest, lecture_id: int) -> HttpResponse:
    context = _context(request, lecture_id)
    stream = context["stream"]
    key = services.stream_key_reveal(actor=request.user, stream=stream)  # type: ignore[arg-type]
    context.update(key=key, ffmpeg=ffmpeg_command(str(context["server"]), key))
    return render(request, "live/_publish_key.html", context)


@login_required
@require_POST
def key_rotate(request: HttpRequest, lecture_id: int) -> HttpResponse:
    context = _context(request, lecture_id)
    stream = services.stream_rotate_key(actor=request.user, stream=context["stream"])  # type: ignore[arg-type]
    key = services.encoder_stream_key(stream)
    context.update(stream=stream, key=key, ffmpeg=ffmpeg_command(str(context["server"]), key), rotated=True)
    return render(request, "live/_publish_key.html", context)


@login_required
@require_GET
def status_fragment(request: HttpRequest, lecture_id: int) -> HttpResponse:
    return render(request, "live/_publish_status.html", _context(request, lecture_id))
