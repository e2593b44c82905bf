"""The client address of the request being served, for audit records written deep in services."""

from __future__ import annotations

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("peixun_current_ip", default=None)
