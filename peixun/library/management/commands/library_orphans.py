"""Report (and with --delete remove) stored library files that no handout version refers to and that are
older than a day: what rolled-back uploads and crashes leave behind. Safe to run from cron daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from peixun.library.storage_audit import GRACE_SECONDS, sweep


class Command(BaseCommand):
    help = "报告（加 --delete 则删除）资源库中无记录引用且超过一天的孤立文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="删除孤立文件（默认只报告）")
        parser.add_argument("--older-than-hours", type=float, default=GRACE_SECONDS / 3600)

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep(delete=options["delete"], grace_seconds=int(options["older_than_hours"] * 3600))
        for path in result.orphans:
            self.stdout.write(f"orphan {path}")
        for path in result.repaired:
            self.stdout.write(f"finished {path}")
        verb = "已删除" if options["delete"] else "发现"
        self.stdout.write(f"{verb}孤立文件 {len(result.orphans)} 个；补完提交后改名 {len(result.repaired)} 个")
