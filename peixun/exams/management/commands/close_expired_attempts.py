"""Submit and grade every attempt whose deadline has passed. The periodic runner (peixun.core.tasks,
PERIODIC_JOBS) does this every minute; reads of an attempt do it lazily too, so a late run only delays
statistics, never a result. This command is for running it by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peixun.exams.services import close_expired_attempts


class Command(BaseCommand):
    help = "到时自动交卷：提交并评阅所有已超过截止时间的答卷"

    def handle(self, *args: Any, **options: Any) -> None:
        closed = close_expired_attempts()
        self.stdout.write(f"closed {closed}")
