"""Rebuild the library's full-text index from the resources' current text (after a restore, or an upgrade of
the term rules). Searches keep working while it runs; each chunk of the index is swapped in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peixun.library.index import rebuild_all


class Command(BaseCommand):
    help = "重建资源库全文索引"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"rebuilt {rebuild_all()} index blocks")
