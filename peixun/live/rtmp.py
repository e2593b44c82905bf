"""The app's side of nginx-rtmp's stat and control endpoints, reached over a unix socket only.

nginx serves `rtmp_stat` and `rtmp_control` on `<var>/nginx/rtmp-control.sock` and nowhere else, so
no browser, and nothing on the network, can read the stream list or drop a publisher.
"""

from __future__ import annotations

import http.client
import socket
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

from peixun.live import conf

APP = "live"
TIMEOUT = 5.0


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=TIMEOUT)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(self._path)
        self.sock = sock


def _get(path: str) -> bytes | None:
    """The body, or None when nginx is not running (the stat is a nicety, never a reason to fail)."""
    connection = _UnixConnection(str(conf.stat_socket()))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return body if response.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


@dataclass(frozen=True)
class StreamStat:
    name: str
    uptime_seconds: float
    bitrate_kbps: float  # incoming, audio and video
    video_kbps: float
    width: int
    height: int
    frame_rate: float
    publishing: bool
    players: int


def _num(node: ET.Element | None, tag: str) -> float:
    text = node.findtext(tag) if node is not None else None
    try:
        return float(text) if text else 0.0
    except ValueError:
        return 0.0


def parse_stat(xml: bytes) -> dict[str, StreamStat]:
    root = ET.fromstring(xml)  # noqa: S314
    stats: dict[str, StreamStat] = {}
    for application in root.iter("application"):
        if application.findtext("name") != APP:
            continue
        for stream in application.iter("stream"):
            name = stream.findtext("name") or ""
            meta_video = stream.find("meta/video")
            clients = stream.findall("client")
            stats[name] = StreamStat(
                name=name,
                uptime_seconds=_num(stream, "time") / 1000,
                bitrate_kbps=_num(stream, "bw_in") / 1000,
                video_kbps=_num(stream, "bw_video") / 1000,
                width=int(_num(meta_video, "width")),
                height=int(_num(meta_video, "height")),
                frame_rate=_num(meta_video, "frame_rate"),
                publishing=stream.find("publishing") is not None,
                players=sum(1 for c in clients if c.find("publishing") is None),
            )
    return stats


def stream_stats() -> dict[str, StreamStat]:
    """Per stream name, what nginx-rtmp measures now; empty when nginx is not reachable."""
    body = _get("/stat")
    if not body:
        return {}
    try:
        return parse_stat(body)
    except ET.ParseError:
        return {}


def drop_publisher(name: str, attempts: int = 3) -> bool:
    """Disconnect whoever publishes `name` (after a key rotation); a busy nginx gets a few tries."""
    for _ in range(attempts):
        if _get("/control/drop/publisher?" + urlencode({"app": APP, "name": name})) is not None:
            return True
    return False
