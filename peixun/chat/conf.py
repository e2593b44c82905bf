"""Limits of the chat, overridable from the environment (the benchmark raises the rate limit)."""

from __future__ import annotations

import os

MAX_TEXT_LEN = int(os.environ.get("PEIXUN_CHAT_MAX_TEXT", "500"))
MAX_ANSWER_LEN = 2000
MAX_CLIENT_ID_LEN = 64
# Token bucket per person and room: RATE tokens a second, at most BURST at once.
RATE_PER_SECOND = float(os.environ.get("PEIXUN_CHAT_RATE", "1"))
RATE_BURST = int(os.environ.get("PEIXUN_CHAT_BURST", "5"))
HISTORY_PAGE = 50
# A client that missed more events than this is told to reload the history instead of replaying them.
RESUME_LIMIT = int(os.environ.get("PEIXUN_CHAT_RESUME_LIMIT", "500"))
MUTE_MAX_MINUTES = 24 * 60
# Write raw, pre-encoded websocket frames to uvicorn's transport (one encoding for all local sockets).
RAW_FRAMES = os.environ.get("PEIXUN_CHAT_RAW_FRAMES", "1") != "0"
# A socket whose unsent output exceeds this is closed; it resumes from the database when it reconnects.
MAX_SOCKET_BUFFER = 4 * 1024 * 1024
# How long a process waits for a missing sequence number on pub/sub before reading it from the database.
GAP_WAIT_SECONDS = 0.25
# How often a process compares a room's last number in the database with the last one it delivered, so
# that a lost publish of the room's latest event is delivered even when nothing follows it.
TAIL_CHECK_SECONDS = float(os.environ.get("PEIXUN_CHAT_TAIL_CHECK", "2"))
# The largest share of a worker's event loop that writing events to sockets may take (fanout.flush):
# 0.5 lets a flush that took 50 ms be followed by 50 ms for everything else before the next one.
FLUSH_DUTY = float(os.environ.get("PEIXUN_CHAT_FLUSH_DUTY", "0.5"))
# How many sockets one flush writes to before the event loop's other work is let in.
FLUSH_CHUNK = int(os.environ.get("PEIXUN_CHAT_FLUSH_CHUNK", "500"))
