"""Scope policy of the live-teaching endpoints, kept in two parts: publishing and delivery (stream keys,
nginx callbacks, the operator's page) and watching (player, venue mode, heartbeats, replay, monitor)."""

from __future__ import annotations

from peixun.live.tests import scope_policy_delivery, scope_policy_player


def build(world) -> None:
    scope_policy_delivery.build(world)
    scope_policy_player.build(world)


ENDPOINTS = scope_policy_delivery.ENDPOINTS + scope_policy_player.ENDPOINTS
