"""Loaded by pytest before Django's settings (see pyproject addopts): tests speak plain HTTP, also to
servers started once per session, whose middleware was built before any per-test override."""

import atexit
import os

os.environ.setdefault("PEIXUN_HTTPS", "0")
os.environ.setdefault("PEIXUN_FAST_PASSWORD_HASHER", "1")
# Parallel test processes share one Redis: each keeps its own cache keys (an exam bank's version token
# bumped by one process's test would otherwise send another's fast-lane requests to Django).
os.environ.setdefault("PEIXUN_CACHE_PREFIX", f"peixun-test-{os.getpid()}")
# Files tests upload or generate go to a scratch directory, never into the developer's var/media.
if "PEIXUN_MEDIA_ROOT" not in os.environ:
    import shutil
    import tempfile

    os.environ["PEIXUN_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="peixun-test-media-")
    atexit.register(shutil.rmtree, os.environ["PEIXUN_MEDIA_ROOT"], ignore_errors=True)


def _remove_sqlite_sidecars() -> None:
    """Django deletes the test database file but not SQLite's WAL sidecars; they are ours to remove."""
    from pathlib import Path

    var = Path(os.environ.get("PEIXUN_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    for path in var.glob(f"test-{os.getpid()}.sqlite3-*"):
        path.unlink(missing_ok=True)


atexit.register(_remove_sqlite_sidecars)
