"""The compressed inverted index (TermBlock): encoding, upkeep for one resource, and the bulk build.

A block holds, for one term and one chunk of CHUNK resource ids, the sorted id offsets (delta-coded) and the
scores, as little-endian uint16 in one zlib blob. A resource's own term list (`Resource.index_terms`) says
what the index holds for it, so a re-index rewrites only the blocks of terms that were added, removed or
re-scored. Writers of one chunk are serialised (PostgreSQL advisory lock; SQLite has one writer anyway), so
two indexers never lose each other's update to a shared block.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np
from django.db import connection, transaction

from peixun.library.models import Resource, TermBlock
from peixun.library.terms import terms

CHUNK = TermBlock.CHUNK
TITLE_SCORE = TermBlock.TITLE_SCORE
MAX_COUNT = TITLE_SCORE - 1
_LOCK_BASE = 0x6C696200  # "lib\0": the advisory-lock namespace of this index


# --- Blocks ---------------------------------------------------------------------------------------------


def encode(offsets: np.ndarray, scores: np.ndarray) -> bytes:
    """Sorted offsets (< CHUNK) and their scores -> blob."""
    deltas = np.diff(offsets.astype(np.int32), prepend=0).astype("<u2")
    return zlib.compress(deltas.tobytes() + scores.astype("<u2").tobytes(), 1)


def decode(blob: bytes | memoryview, df: int) -> tuple[np.ndarray, np.ndarray]:
    raw = np.frombuffer(zlib.decompress(bytes(blob)), dtype="<u2")
    return np.cumsum(raw[:df], dtype=np.int64), raw[df:].astype(np.int64)


# --- What a resource contributes -----------------------------------------------------------------------


def scores_of(title: str, rest: str) -> dict[str, int]:
    """term -> score: TITLE_SCORE if in the title, plus its (capped) count in the rest."""
    scores = {t: min(n, MAX_COUNT) for t, n in Counter(terms(rest)).items()}
    for t in set(terms(title)):
        scores[t] = scores.get(t, 0) + TITLE_SCORE
    return scores


def indexed_text(resource: Resource, tag_names: list[str] | None = None) -> str:
    """Everything but the title that search looks into: summary, tags and the file's text."""
    tags = " ".join(tag_names if tag_names is not None else resource.tags.values_list("name", flat=True))
    return f"{resource.summary}\n{tags}\n{resource.text}"


def postings_for(resource: Resource, tag_names: list[str] | None = None) -> dict[str, int]:
    return scores_of(resource.title, indexed_text(resource, tag_names))


_ACCESS_FIELDS = ("pk", "status", "scope", "office_id", "training_class_id", "training_class__office_id")


def access_terms(resource_id: int) -> dict[str, int]:
    """Who may see the resource, as index keys (selectors.resource_access_keys gives an actor's): read from
    the database, inside the writing transaction, so they are what was just saved."""
    return _access_map(Resource.objects.filter(pk=resource_id)).get(resource_id, {})


def _access_map(resources) -> dict[int, dict[str, int]]:  # type: ignore[no-untyped-def]
    from peixun.library.models import ResourceStatus, Scope
    from peixun.library.selectors import KEY_ALL, KEY_PROVINCIAL, key_class, key_office, key_unit

    rows = list(resources.values(*_ACCESS_FIELDS))
    chosen: dict[int, list[int]] = defaultdict(list)
    with_units = [r["pk"] for r in rows if r["scope"] == Scope.UNITS]
    for start in range(0, len(with_units), 5000):
        through = Resource.units.through.objects.filter(resource_id__in=with_units[start : start + 5000])
        for rid, uid in through.values_list("resource_id", "unit_id"):
            chosen[rid].append(uid)
    out = {}
    for row in rows:
        keys = {key_office(o) for o in (row["office_id"], row["training_class__office_id"]) if o is not None}
        if row["status"] == ResourceStatus.PUBLISHED:
            if row["scope"] == Scope.ALL:
                keys.add(KEY_ALL)
            elif row["scope"] == Scope.PROVINCIAL:
                keys.add(KEY_PROVINCIAL)
            elif row["scope"] == Scope.UNITS:
                keys |= {key_unit(u) for u in chosen[row["pk"]]}
            elif row["scope"] == Scope.CLASS and row["training_class_id"] is not None:
                keys.add(key_class(row["training_class_id"]))
        out[row["pk"]] = dict.fromkeys(keys, 0)
    return out


def is_access_key(term: str) -> bool:
    return term.startswith("~")  # terms() yields CJK and [a-z0-9] only


def pack_terms(scores: dict[str, int]) -> bytes:
    return zlib.compress("\n".join(f"{t}\t{n}" for t, n in sorted(scores.items())).encode(), 1)


def unpack_terms(blob: bytes | memoryview | None) -> dict[str, int]:
    if not blob:
        return {}
    out = {}
    for line in zlib.decompress(bytes(blob)).decode().split("\n"):
        term, _, score = line.partition("\t")
        out[term] = int(score)
    return out


# --- Upkeep of one resource ----------------------------------------------------------------------------


def _lock_chunk(chunk: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_BASE + chunk])


@transaction.atomic
def index_resource(resource: Resource, *, remove: bool = False) -> int:
    """Bring the index in line with the resource (or take it out): returns the number of blocks rewritten."""
    _lock_chunk(resource.pk // CHUNK)
    old = unpack_terms(Resource.objects.filter(pk=resource.pk).values_list("index_terms", flat=True).first())
    new = {} if remove else {**postings_for(resource), **access_terms(resource.pk)}
    return _apply(resource.pk, old, new)


@transaction.atomic
def refresh_access(resource: Resource) -> int:
    """Only who may see it changed (publish, withdraw, scope, units): called in the same transaction as the
    change, so the index never lets a search count a resource its reader may no longer see."""
    chunk = resource.pk // CHUNK
    _lock_chunk(chunk)
    old = unpack_terms(Resource.objects.filter(pk=resource.pk).values_list("index_terms", flat=True).first())
    new = {t: n for t, n in old.items() if not is_access_key(t)} | access_terms(resource.pk)
    return _apply(resource.pk, old, new)


def _apply(pk: int, old: dict[str, int], new: dict[str, int]) -> int:
    chunk, offset = divmod(pk, CHUNK)
    touched = sorted(t for t in old.keys() | new.keys() if old.get(t) != new.get(t))
    rewritten = _rewrite(chunk, offset, {t: new.get(t) for t in touched})
    if touched:
        Resource.objects.filter(pk=pk).update(index_terms=pack_terms(new))
    return rewritten


def _rewrite(chunk: int, offset: int, changes: dict[str, int | None]) -> int:
    """Set (or with None, drop) the resource's score in the given terms' blocks of one chunk."""
    if not changes:
        return 0
    existing = {}
    names = list(changes)
    for start in range(0, len(names), 5000):
        part = names[start : start + 5000]
        for term, df, data in TermBlock.objects.filter(chunk=chunk, term__in=part).values_list("term", "df", "data"):
            existing[term] = decode(data, df)
    rows, dead = [], []
    for term, score in changes.items():
        ids, scores = existing.get(term, (np.empty(0, np.int64), np.empty(0, np.int64)))
        keep = ids != offset
        ids, scores = ids[keep], scores[keep]
        if score is not None:
            at = int(np.searchsorted(ids, offset))
            ids, scores = np.insert(ids, at, offset), np.insert(scores, at, score)
        if len(ids):
            rows.append(TermBlock(term=term, chunk=chunk, df=len(ids), data=encode(ids, scores)))
        if term in existing:
            dead.append(term)
    for start in range(0, len(dead), 5000):
        TermBlock.objects.filter(chunk=chunk, term__in=dead[start : start + 5000]).delete()
    TermBlock.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- Bulk build ----------------------------------------------------------------------------------------


def build(docs: Iterable[tuple[int, str, str, dict[str, int]]]) -> int:
    """Index many resources at once, given as (id, title, rest of the text, access keys); used by the rebuild command,
    the migration that created the blocks and the benchmark. Whole chunks are rewritten, so `docs` must hold
    every resource of each chunk it touches."""
    by_chunk: dict[int, list[tuple[int, str, str, dict[str, int]]]] = defaultdict(list)
    for doc in docs:
        by_chunk[doc[0] // CHUNK].append(doc)
    blocks = 0
    for chunk, members in sorted(by_chunk.items()):
        with transaction.atomic():
            _lock_chunk(chunk)
            blocks += _build_chunk(chunk, members)
    return blocks


def rebuild_all() -> int:
    """The whole index again, from the resources' current text (`manage.py library_reindex`)."""
    tag_names: dict[int, list[str]] = defaultdict(list)
    for rid, name in Resource.tags.through.objects.values_list("resource_id", "tag__name"):
        tag_names[rid].append(name)
    blocks = 0
    ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    chunks = sorted({pk // CHUNK for pk in ids})
    for chunk in chunks:  # one chunk's text in memory at a time; each chunk swapped in one transaction
        part = Resource.objects.filter(pk__gte=chunk * CHUNK, pk__lt=(chunk + 1) * CHUNK)
        access = _access_map(part)
        blocks += build(
            (r.pk, r.title, indexed_text(r, tag_names.get(r.pk, [])), access[r.pk])
            for r in part.only("pk", "title", "summary", "text")
        )
    TermBlock.objects.exclude(chunk__in=chunks).delete()
    return blocks


def _build_chunk(chunk: int, members: list[tuple[int, str, str, dict[str, int]]]) -> int:
    lists: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    packed = []
    for pk, title, rest, access in sorted(members, key=lambda m: m[0]):
        scores = scores_of(title, rest) | access
        offset = pk - chunk * CHUNK
        for term, score in scores.items():
            ids, values = lists[term]
            ids.append(offset)
            values.append(score)
        packed.append((pack_terms(scores), pk))
    TermBlock.objects.filter(chunk=chunk).delete()
    rows = [
        TermBlock(term=term, chunk=chunk, df=len(ids), data=encode(np.array(ids), np.array(values)))
        for term, (ids, values) in lists.items()
    ]
    TermBlock.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cur:
        table = Resource._meta.db_table
        cur.executemany(f"UPDATE {table} SET index_terms = %s WHERE id = %s", packed)  # noqa: S608 - our table
    return len(rows)
