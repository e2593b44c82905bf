"""Every URL × every role. A URL pattern without a policy entry fails: extend the app's scope_policy."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from peixun.core.tests.scope import ROLES, Endpoint, World

POLICY_MODULES = ["peixun.core.tests.scope_policy"] + [
    f"peixun.{app}.tests.scope_policy" for app in settings.DOMAIN_APPS
]
# The Django admin is one gate (AdminSite.has_permission); its index stands for all its pages.
SKIPPED_NAMESPACES = {"admin"}


def _policy_modules() -> list:
    modules = []
    for name in POLICY_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules


def endpoints() -> list[Endpoint]:
    return [e for m in _policy_modules() for e in m.ENDPOINTS]


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[str]:
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns in SKIPPED_NAMESPACES:
                continue
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from url_names(p, full)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


def test_every_url_pattern_has_a_scope_policy():
    covered = {e.name for e in endpoints()}
    # DRF's format-suffix twins (e.g. "cadre-detail" with ".json") share the name and the policy.
    missing = sorted(set(url_names()) - covered)
    assert not missing, f"URL patterns with no entry in any scope_policy.py: {missing}"


def test_the_matrix_is_as_large_as_expected():
    assert len(endpoints()) * len(ROLES) >= 100


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once for the module inside a transaction that is rolled back at the end; each test runs in
    its own savepoint (the `db` fixture), so a POST in one case never leaks into the next."""
    from conftest import ROLE_BUILDERS, make_office, make_tree

    with django_db_blocker.unblock(), transaction.atomic():
        tree = make_tree()
        office = make_office()
        users = {role: ROLE_BUILDERS[role](tree, office) for role in ROLES if role != "anonymous"}
        foreign = ROLE_BUILDERS["trainee_b1"](tree, office)
        w = World(tree=tree, users=users, foreign_cadre=foreign.cadre, foreign_user=foreign)
        for module in _policy_modules():
            if hasattr(module, "build"):
                module.build(w)
        yield w
        transaction.set_rollback(True)


CASES = [(e, role) for e in endpoints() for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e.id}-{r}" for e, r in CASES])
def test_scope_matrix(endpoint: Endpoint, role: str, world: World, db: None) -> None:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    url = reverse(endpoint.name, kwargs=endpoint.kwargs(world))
    query = endpoint.query(world) if endpoint.query else {}
    if endpoint.method == "GET":
        response = client.get(url, query)
    else:
        response = client.generic(
            endpoint.method,
            url,
            data=_encode(endpoint.data(world) if endpoint.data else {}),
            content_type="application/x-www-form-urlencoded",
        )
    status = response.status_code
    to_login = status in (301, 302) and settings.LOGIN_URL.split(":")[-1] in response.get("Location", "")
    to_login = to_login or (status == 302 and "/accounts/login/" in response.get("Location", ""))
    if role in endpoint.allow:
        assert status in endpoint.ok, f"{role} should reach {url}, got {status}"
        assert endpoint.login_redirect_ok or not to_login, f"{role} was sent to log in at {url}"
        if endpoint.hidden and role in endpoint.hidden_from:
            body = response.content.decode("utf-8", "replace")
            for text in endpoint.hidden(world):
                assert text not in body, f"{role} saw {text!r} on {url}"
    elif role == "anonymous":
        assert to_login or status in {401, 403}, f"anonymous reached {url}: {status}"
    else:
        assert status in endpoint.deny, f"{role} should be refused {url}, got {status}"


def _encode(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)
