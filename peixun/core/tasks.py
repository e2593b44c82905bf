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
