"""Background job: an FLV recording becomes the lecture's replay MP4."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from django.utils import timezone

from peixun.core.tasks import job
from peixun.live import conf
from peixun.live.models import Recording, RecordingStatus

FFMPEG = os.environ.get("PEIXUN_FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("PEIXUN_FFPROBE", "ffprobe")
ERR_REMUX = "录像转换失败：{detail}"


def probe_duration(path: Path) -> float:
    """The container's duration in seconds, as ffprobe reads it."""
    out = subprocess.run(
        [FFPROBE, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(json.loads(out.stdout)["format"]["duration"])


def replay_file_name(recording: Recording) -> str:
    return f"{recording.stream.name}-{recording.pk}.mp4"


@job
def recording_remux(*, recording_id: int) -> None:
    """Copy the streams into an MP4 with the index in front (plays while it downloads), then mark it ready.

    `-c copy` because the studio already sends H.264/AAC: no re-encode, a 2-hour lecture takes seconds.
    """
    recording = Recording.objects.select_related("stream").get(pk=recording_id)
    if recording.status != RecordingStatus.PROCESSING:
        return
    target_dir = conf.replays_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / replay_file_name(recording)
    partial = target.with_suffix(".part.mp4")
    argv = [FFMPEG, "-nostdin", "-v", "error", "-y", "-i", recording.source_path]
    argv += ["-map", "0", "-c", "copy", "-movflags", "+faststart", str(partial)]
    try:
        subprocess.run(argv, capture_output=True, text=True, check=True, timeout=3600)
        duration = probe_duration(partial)
        partial.replace(target)
    except (subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        partial.unlink(missing_ok=True)
        Recording.objects.filter(pk=recording.pk).update(
            status=RecordingStatus.FAILED, error=ERR_REMUX.format(detail=str(detail).strip()[-500:])
        )
        return
    Recording.objects.filter(pk=recording.pk).update(
        status=RecordingStatus.READY,
        mp4_path=str(target),
        duration_seconds=duration,
        size_bytes=target.stat().st_size,
        ready_at=timezone.now(),
        error="",
    )
