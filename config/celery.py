import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("peixun")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="peixun.run_job")
def run_job_task(name: str, kwargs: dict) -> None:
    from peixun.core.tasks import run_job

    run_job(name, kwargs)


def beat_schedule() -> dict[str, dict]:
    """Celery beat's entries: one per periodic job of peixun.core.tasks, each run through run_job_task.
    A run older than its interval is dropped (expires), so a backlog never replays stale runs."""
    from peixun.core.tasks import PERIODIC_JOBS

    return {
        name: {"task": "peixun.run_job", "schedule": every, "args": (name, {}), "options": {"expires": every}}
        for name, every in PERIODIC_JOBS.items()
    }


app.conf.beat_schedule = beat_schedule()
