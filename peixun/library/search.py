"""Text extraction and the portable full-text index (CJK bigrams + lower-case ASCII words).

A query matches a resource when every query term is among the resource's postings; the actor's scope is a
condition on the same query, so a hidden resource is never even counted. Title matches rank first.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections import Counter
from xml.etree import ElementTree

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.safestring import SafeString, mark_safe

from peixun.accounts.models import User
from peixun.library.files import absolute
from peixun.library.models import FileKind, Posting, Resource
from peixun.library.selectors import resource_scope_q

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DRAWING_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MAX_TEXT = 500_000
MAX_COUNT = Posting.TITLE_SCORE - 1


# --- Extraction ----------------------------------------------------------------------------------------


def extract_text(kind: str, data: bytes) -> str:
    if kind == FileKind.PDF:
        return _pdf_text(data)
    if kind == FileKind.DOCX:
        return _xml_text(data, lambda n: n == "word/document.xml", f"{_WORD_NS}p", f"{_WORD_NS}t")
    if kind == FileKind.PPTX:
        return _xml_text(
            data,
            lambda n: n.startswith("ppt/slides/slide") and n.endswith(".xml"),
            f"{_DRAWING_NS}p",
            f"{_DRAWING_NS}t",
        )
    return ""


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts = []
    for page in reader.pages:
        parts.append(page.extract_text() or "")
        if sum(map(len, parts)) > MAX_TEXT:
            break
    return "\n".join(parts)[:MAX_TEXT]


def _xml_text(data: bytes, wanted, para_tag: str, text_tag: str) -> str:  # type: ignore[no-untyped-def]
    out: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted((n for n in archive.namelist() if wanted(n)), key=_natural)
        for name in names:
            info = archive.getinfo(name)
            if info.file_size > 50 * 1024 * 1024:  # a zip bomb is not lecture notes
                continue
            root = ElementTree.fromstring(archive.read(name))  # noqa: S314 - no DTDs in OOXML; expat has no XXE
            for para in root.iter(para_tag):
                out.append("".join(t.text or "" for t in para.iter(text_tag)))
    return "\n".join(line for line in out if line)[:MAX_TEXT]


def _natural(name: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


# --- Terms ---------------------------------------------------------------------------------------------


def terms(text: str) -> list[str]:
    """CJK runs become overlapping bigrams (a lone character stays a unigram); ASCII runs become words."""
    out: list[str] = []
    for run in _TOKEN.findall(text.lower()):
        if run[0].isascii():
            out.append(run[:32])
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def postings_for(resource: Resource, tag_names: list[str] | None = None) -> list[Posting]:
    tags = " ".join(tag_names if tag_names is not None else resource.tags.values_list("name", flat=True))
    title = set(terms(resource.title))
    body = Counter(terms(f"{resource.summary}\n{tags}\n{resource.text}"))
    scores = {t: min(n, MAX_COUNT) for t, n in body.items()}
    for t in title:
        scores[t] = scores.get(t, 0) + Posting.TITLE_SCORE
    return [Posting(term=t, resource_id=resource.pk, score=n) for t, n in scores.items()]


@transaction.atomic
def index_resource(resource: Resource) -> int:
    Posting.objects.filter(resource_id=resource.pk).delete()
    rows = postings_for(resource)
    Posting.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def read_file_text(kind: str, relative: str) -> str:
    return extract_text(kind, absolute(relative).read_bytes())


# --- Queries -------------------------------------------------------------------------------------------


def search(*, actor: User, query: str, limit: int = 50) -> list[Resource]:
    """Visible resources holding every term of the query, best first (title matches, then frequency).

    The rarest term's postings are walked down the (term, -score, resource) index, so hits with that term
    in the title come first, then by its frequency; every other term is one (term, resource) index lookup
    per candidate, and the walk stops at `limit` visible hits.
    The scope condition is part of the same query either way.
    """
    wanted = sorted(set(terms(query)))
    q = resource_scope_q(actor, prefix="resource__")
    if not wanted or q is None:
        return []
    if len(wanted) > 1:
        frequency = {t: _frequency(t) for t in wanted}
        if not all(frequency.values()):
            return []
        wanted.sort(key=lambda t: (frequency[t], t))
    rarest, *others = wanted
    hits = Posting.objects.filter(q, term=rarest)
    for i, term in enumerate(others):
        other = Posting.objects.filter(term=term, resource_id=OuterRef("resource_id")).values("score")[:1]
        hits = hits.annotate(**{f"s{i}": Subquery(other)}).filter(**{f"s{i}__isnull": False})
    # Read in (term, -score, resource) index order, so the walk stops after `limit` hits.
    ids = list(hits.order_by("-score", "resource_id").values_list("resource_id", flat=True)[:limit])
    by_id = Resource.objects.select_related("office", "file").prefetch_related("tags").in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


FREQUENCY_CAP = 2000


def _frequency(term: str) -> int:
    """Postings of a term, counted on the covering index up to a cap: past it, one frequent term is as good
    a starting point as another, and counting further would cost more than it saves."""
    return Posting.objects.filter(term=term).order_by()[:FREQUENCY_CAP].count()


def naive_search(*, actor: User, query: str, limit: int = 50) -> QuerySet[Resource]:
    """The baseline the benchmark compares against: icontains over title, summary and text."""
    q = resource_scope_q(actor)
    if q is None:
        return Resource.objects.none()
    text = query.strip()
    return (
        Resource.objects.filter(q)
        .filter(Q(title__icontains=text) | Q(summary__icontains=text) | Q(text__icontains=text))
        .order_by("-published_at")[:limit]
    )


def highlight(text: str, query: str, *, width: int = 60) -> SafeString:
    """An escaped snippet around the first match, with query words (and their CJK runs) in <mark>."""
    words = sorted({w for w in re.split(r"\s+", query.strip()) if w}, key=len, reverse=True)
    if not text or not words:
        return mark_safe(html.escape(text[: width * 2]))  # noqa: S308 - escaped just here
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - width) if first else 0
    piece = text[start : start + width * 2 + 20]
    out, pos = [], 0
    for m in pattern.finditer(piece):
        out.append(html.escape(piece[pos : m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(html.escape(piece[pos:]))
    prefix = "…" if start else ""
    return mark_safe(prefix + "".join(out))  # noqa: S308 - every piece escaped above
