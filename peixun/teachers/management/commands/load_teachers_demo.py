"""`manage.py load_teachers_demo`: the 130-lecturer teacher pool. Run after `load_demo`; running it again
adds nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peixun.teachers.demo import load_teachers_demo


class Command(BaseCommand):
    help = "载入师资库演示数据（遴选批次与130名师资）。需先运行 load_demo；可重复运行。"

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_teachers_demo()
        if not created["teachers"]:
            self.stdout.write("师资库演示数据已是最新（或尚未运行 load_demo）。")
            return
        self.stdout.write(f"新增：遴选批次{created['rounds']}，师资{created['teachers']}名")
