"""Scope policy of the platform-wide pages: home, accounts, audit, API docs."""

from __future__ import annotations

from peixun.accounts.models import RoleGrant
from peixun.core.tests.scope import AUTHENTICATED, ROLES, Endpoint, World

EVERYONE = frozenset(ROLES)
ACCOUNT_ADMINS = frozenset({"system_admin", "security_admin"})


def build(world: World) -> None:
    world.extra["teacher_grant"] = RoleGrant.objects.get(user=world.users["teacher"])


ENDPOINTS = [
    Endpoint("core:home", allow=AUTHENTICATED),
    Endpoint("core:health", allow=EVERYONE),
    Endpoint("accounts:login", allow=EVERYONE),
    Endpoint("accounts:logout", allow=EVERYONE, method="POST", login_redirect_ok=True),
    Endpoint("accounts:password_change", allow=AUTHENTICATED),
    Endpoint("accounts:user_list", allow=ACCOUNT_ADMINS),
    Endpoint("accounts:user_detail", allow=ACCOUNT_ADMINS, kwargs=lambda w: {"pk": w.foreign_user.pk}),
    Endpoint(
        "accounts:user_action",
        allow=frozenset({"system_admin"}),
        method="POST",
        kwargs=lambda w: {"pk": w.foreign_user.pk, "action": "unlock"},
    ),
    Endpoint(
        "accounts:role_revoke",
        allow=frozenset({"security_admin"}),
        method="POST",
        kwargs=lambda w: {"pk": w.teacher_grant.pk},
    ),
    Endpoint("audit:event_list", allow=frozenset({"audit_admin"})),
    Endpoint("audit:event_export", allow=frozenset({"audit_admin"})),
    Endpoint("api-schema", allow=AUTHENTICATED),
    Endpoint("api-docs", allow=AUTHENTICATED),
    Endpoint("api-root", allow=AUTHENTICATED),
]
