"""`manage.py load_demo`: the demo province of Shandong, its cadres, offices and one account per role."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count

from peixun.offices.models import OfficeMembership, ResearchOffice
from peixun.org.demo.loader import load_demo
from peixun.org.models import Cadre, Unit, UnitKind


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "载入演示数据：山东省纪检监察机关（2020年）、干部、教研室和各角色演示账户。可重复运行。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="只打印演示账户表")

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        started = time.monotonic()
        result = load_demo()
        elapsed = time.monotonic() - started
        table = format_table(
            ["角色", "用户名", "密码", "范围"],
            [[a.display, a.username, a.password, a.scope] for a in result.accounts],
        )
        if quiet:
            self.stdout.write(table)
            return
        if result.changed:
            made = "，".join(f"{name} {count}" for name, count in sorted(result.created.items()) if count)
            self.stdout.write(f"已创建：{made}（{elapsed:.1f} 秒）")
        else:
            self.stdout.write(f"演示数据已存在，未做任何修改（{elapsed:.1f} 秒）")
        self.stdout.write("")
        self.stdout.write(table)
        self.stdout.write("")
        by_kind = dict(Unit.objects.values_list("kind").annotate(n=Count("pk")))
        kinds = "，".join(f"{label} {by_kind.get(kind, 0)}" for kind, label in UnitKind.choices)
        self.stdout.write(f"单位：{kinds}")
        self.stdout.write(
            f"干部：{Cadre.objects.count()}；教研室：{ResearchOffice.objects.count()}"
            f"（成员 {OfficeMembership.objects.count()}）"
        )
