"""Background jobs: Celery over Redis in production, a thread of this process when embedded.

Jobs take ids, never model instances, and are enqueued after the surrounding transaction commits.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction

log = logging.getLogger(__name__)
_registry: dict[str, Callable[..., Any]] = {}
_threads: list[threading.Thread] = []


def job(func: Callable[..., Any]) -> Callable[..., Any]:
    """Register a function as a background job under its dotted name."""
    _registry[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def _resolve(name: str) -> Callable[..., Any]:
    if name not in _registry:
        importlib.import_module(name.rsplit(".", 1)[0])
    return _registry[name]


def run_job(name: str, kwargs: dict[str, Any]) -> None:
    close_old_connections()
    try:
        _resolve(name)(**kwargs)
    except Exception:
        log.exception("background job %s failed", name)
        raise
    finally:
        close_old_connections()


def enqueue(func: Callable[..., Any], **kwargs: Any) -> None:
    name = f"{func.__module__}.{func.__qualname__}"

    def send() -> None:
        backend = settings.TASKS_BACKEND
        if backend == "celery":
            from config.celery import run_job_task

            run_job_task.delay(name, kwargs)
        elif backend == "sync":
            # Inline on the caller's connection: run_job's close_old_connections() would close the
            # connection of a test still inside its transaction.
            _resolve(name)(**kwargs)
        else:
            thread = threading.Thread(target=run_job, args=(name, kwargs), daemon=True)
            _threads.append(thread)
            thread.start()

    transaction.on_commit(send)


def wait_for_jobs(timeout: float = 60) -> None:
    """For tests and commands: wait until the in-process jobs started so far are done."""
    while _threads:
        _threads.pop().join(timeout)


# --- Periodic jobs ------------------------------------------------------------------------------
# Dotted name of a @job (called without arguments) -> seconds between runs. Production: Celery beat reads
# this table (config/celery.py) and the worker runs each job. Embedded: the stack starts
# `python -m peixun.core.tasks`, a loop that runs them in turn. Jobs must be idempotent: a run may
# repeat after a restart, and two runners may overlap.
PERIODIC_JOBS: dict[str, float] = {
    "peixun.training.notifications.lectures_starting_notify": 60.0,
    "peixun.org.imports.retention.import_files_purge": 3600.0,
    "peixun.accounts.sessions.sessions_clear_expired": 3600.0,
    # Attempts whose examinee closed the browser are handed in at the deadline, not at the next read.
    "peixun.exams.services.attempts.close_expired_attempts": 60.0,
}


def periodic_due(last_run: dict[str, float], now: float) -> list[str]:
    """The periodic jobs whose interval has passed since their last run (never run: due at once)."""
    return [name for name, every in PERIODIC_JOBS.items() if now - last_run.get(name, float("-inf")) >= every]


def periodic_loop(*, stop: threading.Event | None = None, tick: float = 1.0) -> None:
    """Run the periodic jobs for ever (until `stop` is set), each in turn; a failing job is logged and
    retried at its next interval."""
    import time

    stop = stop or threading.Event()
    last_run: dict[str, float] = {}
    while not stop.is_set():
        for name in periodic_due(last_run, time.monotonic()):
            last_run[name] = time.monotonic()
            try:
                run_job(name, {})
            except Exception:  # noqa: S112 - run_job logged it; the loop must outlive one bad run
                continue
        stop.wait(tick)


if __name__ == "__main__":
    # The embedded periodic runner (started by peixun.core.stack without Redis).
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from peixun.core import tasks  # the job registry lives in the imported module, not in __main__

    tasks.periodic_loop()
