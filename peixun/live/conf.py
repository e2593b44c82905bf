"""Live-teaching settings, read from the environment (documented in docs/deployment.md).

A Django setting of the same name wins, so tests and deployments may set them either way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # How long a signed playlist URL works; the player fetches a fresh one before it runs out.
    "PEIXUN_LIVE_TOKEN_SECONDS": 180,
    # Replay links must outlive the video element's range requests: the recording's length plus this.
    "PEIXUN_LIVE_REPLAY_TOKEN_EXTRA_SECONDS": 1800,
    # The studio may publish from this long before the lecture's start ...
    "PEIXUN_LIVE_PUBLISH_LEAD_MINUTES": 30,
    # ... until this long after its end.
    "PEIXUN_LIVE_PUBLISH_GRACE_MINUTES": 30,
    # A publisher nginx has not reported on for this long (on_update every 10 s) no longer holds the key.
    "PEIXUN_LIVE_PUBLISHER_STALE_SECONDS": 40,
}


def get(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    default = DEFAULTS[name]
    raw = os.environ.get(name, "").strip()
    return type(default)(raw) if raw else default


def base_secret() -> str:
    """PEIXUN_LIVE_TOKEN_SECRET, else SECRET_KEY (the stack renders the same choice into nginx.conf)."""
    own = getattr(settings, "PEIXUN_LIVE_TOKEN_SECRET", "") or os.environ.get("PEIXUN_LIVE_TOKEN_SECRET", "")
    return str(own or settings.SECRET_KEY)


def live_dir() -> Path:
    """Where nginx writes HLS and recordings and the remux job writes replays (the stack renders the same)."""
    return Path(settings.VAR_DIR) / "live"


def hls_dir() -> Path:
    return live_dir() / "hls"


def recordings_dir() -> Path:
    return live_dir() / "recordings"


def replays_dir() -> Path:
    return live_dir() / "replays"


def stat_socket() -> Path:
    """nginx's loopback-only listener for rtmp_stat and rtmp_control: a unix socket, reachable by no user."""
    return Path(settings.VAR_DIR) / "nginx" / "rtmp-control.sock"
