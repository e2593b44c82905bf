"""Submit and grade every attempt whose deadline has passed. Run it every minute from cron or a systemd
timer; reads of an attempt do the same lazily, so a late run only delays statistics, never a result."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peixun.exams.services import close_expired_attempts


class Command(BaseCommand):
    help = "到时自动交卷：提交并评阅所有已超过截止时间的答卷"

    def handle(self, *args: Any, **options: Any) -> None:
        closed = close_expired_attempts()
        self.stdout.write(f"closed {closed}")
