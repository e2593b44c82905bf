"""Scope policy entries of this part of the live app (see scope_policy.py)."""

from __future__ import annotations

from peixun.core.tests.scope import Endpoint  # noqa: F401


def build(world) -> None:
    return None


ENDPOINTS: list = []
