"""Signed, short-lived URLs for the live HLS and the replay, verified by nginx alone (no Django per request).

The contract for the player (`views_player.py`):

- `playback_url(stream=..., user=...)` -> `/hls/<uid>/<expires>/<token>/<stream name>/index.m3u8`.
  Segments are relative in the playlist (`12.ts`), so each segment request inherits the token path.
  The URL works for `PEIXUN_LIVE_TOKEN_SECONDS` (default 180 s); the player asks the app for a fresh
  one before `expires` (returned by `playback_expires`) and swaps it in (hls.js `loadSource`).
- `replay_url(recording=..., user=...)` -> `/replay/<uid>/<expires>/<token>/<file>.mp4`, valid for the
  recording's length plus `PEIXUN_LIVE_REPLAY_TOKEN_EXTRA_SECONDS`, so a `<video>` element's range
  requests keep working to the end; nginx serves ranges for seeking.
- Both raise `PermissionDenied(ERR_NOT_ALLOWED)` unless `lecture_may_attend(actor=user, ...)`; the
  caller still decides the rest (replay allowed by the class, lecture window, venue mode).
- nginx answers 403 to an expired, tampered or foreign (other stream, other file, other uid) token on
  `.m3u8`, `.ts` and `.mp4`; see `config/nginx/nginx.conf.template` and `peixun/live/signing.py` for why
  secure_link rather than an auth_request.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from peixun.live import conf, signing
from peixun.training.selectors import lecture_may_attend

if TYPE_CHECKING:
    from peixun.accounts.models import User
    from peixun.live.models import LiveStream, Recording

ERR_NOT_ALLOWED = "您无权观看该课次的直播或回放。"
ERR_REPLAY_NOT_READY = "该回放尚未生成。"

HLS_PREFIX = "/hls/"
REPLAY_PREFIX = "/replay/"
PLAYLIST = "index.m3u8"

_PATH = re.compile(
    r"^/(?P<kind>hls|replay)/(?P<uid>\d+)/(?P<expires>\d+)/(?P<token>[A-Za-z0-9_-]{22})/"
    r"(?P<resource>[A-Za-z0-9_.-]+)(?:/(?P<file>[A-Za-z0-9_-]+\.(?:m3u8|ts)))?$"
)


def hls_secret() -> str:
    return signing.derive(conf.base_secret(), signing.HLS_PURPOSE)


def replay_secret() -> str:
    return signing.derive(conf.base_secret(), signing.REPLAY_PURPOSE)


def hook_secret() -> str:
    return signing.derive(conf.base_secret(), signing.HOOK_PURPOSE)


def _epoch(now: dt.datetime | None) -> int:
    return int((now or timezone.now()).timestamp())


def playback_expires(*, now: dt.datetime | None = None) -> int:
    """The `expires` (Unix seconds) a playback URL issued at `now` carries."""
    return _epoch(now) + int(conf.get("PEIXUN_LIVE_TOKEN_SECONDS"))


def playback_url(*, stream: LiveStream, user: User, now: dt.datetime | None = None) -> str:
    """The master playlist of the live HLS, signed for `user` (see the module doc)."""
    if not lecture_may_attend(actor=user, lecture=stream.lecture):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    expires = playback_expires(now=now)
    token = signing.sign(hls_secret(), expires=expires, resource=stream.name, uid=user.pk)
    return f"{HLS_PREFIX}{user.pk}/{expires}/{token}/{stream.name}/{PLAYLIST}"


def replay_url(*, recording: Recording, user: User, now: dt.datetime | None = None) -> str:
    """The replay MP4, signed for `user` for the recording's length plus a margin."""
    from peixun.live.models import RecordingStatus

    if not lecture_may_attend(actor=user, lecture=recording.stream.lecture):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    if recording.status != RecordingStatus.READY or not recording.mp4_path:
        raise PermissionDenied(ERR_REPLAY_NOT_READY)
    name = PurePosixPath(recording.mp4_path).name
    ttl = math.ceil(recording.duration_seconds) + int(conf.get("PEIXUN_LIVE_REPLAY_TOKEN_EXTRA_SECONDS"))
    expires = _epoch(now) + max(ttl, int(conf.get("PEIXUN_LIVE_TOKEN_SECONDS")))
    token = signing.sign(replay_secret(), expires=expires, resource=name, uid=user.pk)
    return f"{REPLAY_PREFIX}{user.pk}/{expires}/{token}/{name}"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    uid: int = 0
    resource: str = ""
    expires: int = 0


def verify(url: str, *, now: dt.datetime | None = None) -> Verdict:
    """What nginx decides for a path (query string ignored): valid token, not expired. For tests and tools."""
    match = _PATH.match(url.split("?", 1)[0])
    if match is None:
        return Verdict(ok=False)
    kind, resource = match["kind"], match["resource"]
    if (kind == "hls") != (match["file"] is not None):
        return Verdict(ok=False)
    uid, expires = int(match["uid"]), int(match["expires"])
    secret = hls_secret() if kind == "hls" else replay_secret()
    ok = signing.check(secret, match["token"], expires=expires, resource=resource, uid=uid, now=_epoch(now))
    return Verdict(ok=ok, uid=uid, resource=resource, expires=expires)
