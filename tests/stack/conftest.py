"""A real stack (nginx + uvicorn, + Celery with REDIS_URL) on free ports, against the pytest database.

The server processes read the same test database as the test, so tests that create rows use
`transactional_db`: their rows are committed and visible to the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from peixun.core.stack import BASE_DIR, Stack, free_ports


def database_url() -> str:
    """The pytest database as a DATABASE_URL for another process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def stack_static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """collectstatic into a directory of our own, so the test never depends on the developer's staticfiles/."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = {**os.environ, "PEIXUN_STATIC_ROOT": str(root)}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    assert (root / "vendor" / "htmx.min.js").exists(), "static/vendor is empty: run scripts/assets.sh (make test does)"
    return root


@pytest.fixture(scope="session")
def stack_env(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment of a stack process: the test database, plain HTTP, runtime files in a temporary directory."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "PEIXUN_HTTPS": "0",
        "PEIXUN_HOST": "127.0.0.1",
    }
    env.pop("DJANGO_ALLOWED_HOSTS", None)
    return env


def make_stack(env: dict[str, str], var_dir: Path, static_root: Path, port: int | None = None) -> Stack:
    http, app, rtmp = free_ports(3)
    return Stack(
        port=port or http,
        app_port=app,
        rtmp_port=rtmp,
        host="127.0.0.1",
        var_dir=var_dir,
        static_root=static_root,
        media_root=var_dir / "media",
        env=env,
        log_dir=var_dir / "logs",
    )


@pytest.fixture(scope="module")
def stack(
    stack_env: dict[str, str], stack_static_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    running = make_stack(stack_env, tmp_path_factory.mktemp("stack-var"), stack_static_root)
    running.start()
    try:
        yield running
    finally:
        running.stop()
