import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("peixun")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="peixun.run_job")
def run_job_task(name: str, kwargs: dict) -> None:
    from peixun.core.tasks import run_job

    run_job(name, kwargs)
