"""Stored files nothing refers to: what a rolled-back transaction or a crash can leave under MEDIA_ROOT/library.

A committed upload is renamed from `<name>.part` to `<name>` by its transaction's on-commit hook. So:
- `<name>.part` whose `<name>` is in the database: the commit happened but the rename did not (a crash in
  between); it is finished here, never deleted;
- any other file not in the database and older than the grace period: an orphan. Younger ones may belong
  to a transaction still open, so they are left alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from peixun.library.files import PENDING_SUFFIX
from peixun.library.models import HandoutFile

GRACE_SECONDS = 24 * 3600


@dataclass
class Sweep:
    orphans: list[Path] = field(default_factory=list)
    repaired: list[Path] = field(default_factory=list)
    removed_bytes: int = 0


def referenced() -> set[str]:
    rows = HandoutFile.objects.values_list("stored_path", "pdf_path")
    return {p for pair in rows for p in pair if p}


def sweep(*, delete: bool, grace_seconds: int = GRACE_SECONDS, now: float | None = None) -> Sweep:
    root = Path(settings.MEDIA_ROOT) / "library"
    result = Sweep()
    if not root.is_dir():
        return result
    known = referenced()
    cutoff = (now if now is not None else time.time()) - grace_seconds
    media = Path(settings.MEDIA_ROOT)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(media).as_posix()
        if relative.endswith(PENDING_SUFFIX):
            final = relative[: -len(PENDING_SUFFIX)]
            if final in known and not (media / final).exists():
                if delete:
                    path.replace(media / final)
                result.repaired.append(path)
                continue
        elif relative in known:
            continue
        if path.stat().st_mtime >= cutoff:
            continue
        result.orphans.append(path)
        if delete:
            result.removed_bytes += path.stat().st_size
            path.unlink(missing_ok=True)
    return result
