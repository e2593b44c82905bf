"""The scope matrix: every URL pattern, every role, one expected outcome.

Each domain app declares its endpoints in `peixun/<app>/tests/scope_policy.py`:

    ENDPOINTS = [Endpoint("org:cadre_detail", kwargs=lambda w: {"pk": w.foreign_cadre.pk},
                          allow=PROVINCE_ADMINS, label="foreign")]
    def build(world: World) -> None: ...   # optional: create the app's objects, set world.extra[...]

`test_scope_matrix` walks the URL resolver; a pattern with no Endpoint fails the test. Objects named in
kwargs should sit in county B1 / city B (outside the county-A1 and city-A admins' scope), so that the
test proves those admins get 403/404 for them; `hidden` lists text (names of B's rows) that must not
appear in any response that a role in `hidden_from` receives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    "anonymous",
    "system_admin",
    "security_admin",
    "audit_admin",
    "org_admin",
    "city_a_admin",
    "county_a1_admin",
    "office_director",
    "office_member",
    "teacher",
    "venue_operator_a1",
    "trainee_a1",
)
AUTHENTICATED = frozenset(ROLES) - {"anonymous"}
PROVINCE_ADMINS = frozenset({"org_admin", "system_admin", "security_admin"})
LOCAL_ROLES = frozenset(
    {
        "city_a_admin",
        "county_a1_admin",
        "venue_operator_a1",
        "trainee_a1",
        "teacher",
        "office_director",
        "office_member",
    }
)


@dataclass
class World:
    """Everything the matrix needs: the tree, one user per role, and the apps' own objects."""

    tree: Any
    users: dict[str, Any]
    foreign_cadre: Any  # a cadre in county B1
    foreign_user: Any  # that cadre's account
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["extra"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Endpoint:
    name: str
    allow: frozenset[str]
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    method: str = "GET"
    data: Callable[[World], dict[str, Any]] | None = None
    query: Callable[[World], dict[str, Any]] | None = None
    hidden: Callable[[World], list[str]] | None = None
    hidden_from: frozenset[str] = LOCAL_ROLES
    label: str = ""
    # Logout and the like: being sent to the login page is their success.
    login_redirect_ok: bool = False
    # What "allowed" looks like; redirects count as success except a redirect to the login page.
    ok: frozenset[int] = frozenset({200, 201, 204, 301, 302, 303})
    deny: frozenset[int] = frozenset({403, 404})

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name
