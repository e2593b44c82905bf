"""`manage.py load_training_demo`: venues, operators, a plan with classes, lectures and enrolments.
Run after `load_demo`; running it again adds nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peixun.training.demo import load_training_demo


class Command(BaseCommand):
    help = "载入培训演示数据（分会场、分会场管理员、年度计划、培训班、课次、报名）。需先运行 load_demo；可重复运行。"

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_training_demo()
        if not any(created.values()):
            self.stdout.write("培训演示数据已是最新（或尚未运行 load_demo）。")
            return
        labels = {
            "venues": "分会场",
            "operators": "分会场管理员",
            "plans": "年度计划",
            "classes": "培训班",
            "enrolments": "报名",
            "allocations": "分配",
        }
        self.stdout.write("新增：" + "，".join(f"{labels.get(k, k)}{v}" for k, v in created.items() if v))
