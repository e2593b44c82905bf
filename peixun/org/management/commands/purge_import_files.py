from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peixun.org.imports.retention import import_files_purge


class Command(BaseCommand):
    help = "删除超过保留期的导入文件及无主文件（导入记录保留）。"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"已删除导入文件 {import_files_purge()} 个")
