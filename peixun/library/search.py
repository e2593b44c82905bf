"""Text extraction and full-text search over the compressed bigram index (peixun.library.index).

A query matches a resource when every query term (CJK bigram or ASCII word) is among the resource's terms.
The posting lists are intersected starting from the rarest term (document frequencies are stored beside the
blocks), then with the lists of the access keys the actor holds, so the total counts the visible matches
only and a hidden resource is never even counted. Title matches rank first.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

import numpy as np
from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe

from peixun.accounts.models import User
from peixun.library.files import absolute
from peixun.library.index import decode, index_resource
from peixun.library.models import FileKind, Resource, TermBlock
from peixun.library.selectors import resource_access_keys, resource_scope_q, resources_visible
from peixun.library.terms import terms

__all__ = ["EMPTY", "SearchResult", "extract_text", "highlight", "index_resource", "naive_search", "search"]

_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DRAWING_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MAX_TEXT = 500_000


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


def read_file_text(kind: str, relative: str) -> str:
    return extract_text(kind, absolute(relative).read_bytes())


# --- Queries -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    total: int
    items: list[Resource]


EMPTY = SearchResult(total=0, items=[])


def search(*, actor: User, query: str, limit: int = 20, offset: int = 0) -> SearchResult:
    """Visible resources holding every term of the query, best first (title matches, then frequency, then
    newest), with the number of visible matches.

    Who may see what is in the index too (access keys, kept in step by the services in the writing
    transaction), so the candidates are cut to the actor's scope without reading a resource row; the page
    shown is then fetched through `resources_visible`, which applies the scope again."""
    wanted = sorted(set(terms(query)))
    keys = resource_access_keys(actor)
    if not wanted or keys == []:
        return EMPTY
    ids, scores = _candidates(wanted, keys or [])
    if not len(ids):
        return EMPTY
    order = np.lexsort((-ids, -scores))[offset : offset + limit]
    page = [int(i) for i in ids[order]]
    rows = resources_visible(actor=actor).prefetch_related("tags").defer("index_terms", "file__text")
    by_id = rows.in_bulk(page)
    return SearchResult(total=len(ids), items=[by_id[i] for i in page if i in by_id])


def _candidates(wanted: list[str], keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Ids holding every term and at least one of the access keys (none given: no cut), with summed scores.
    One query reads the blocks of the terms and keys; only the chunks where every term occurs are decoded,
    each intersected from its rarest term up (by the stored block frequencies), then with the union of the
    access keys' lists."""
    none = np.empty(0, np.int64), np.empty(0, np.int64)
    freq: dict[str, dict[int, int]] = {t: {} for t in wanted}
    blocks: dict[tuple[str, int], tuple[bytes | memoryview, int]] = {}
    rows = TermBlock.objects.filter(term__in=wanted + keys).values_list("term", "chunk", "df", "data")
    for term, chunk, df, data in rows:
        blocks[(term, chunk)] = (data, df)
        if term in freq:
            freq[term][chunk] = df
    if not all(freq.values()):
        return none
    chunks = set.intersection(*(set(f) for f in freq.values()))
    found_ids, found_scores = [], []
    for chunk in sorted(chunks):
        order = sorted(wanted, key=lambda t: (freq[t][chunk], t))
        ids, scores = decode(*blocks[(order[0], chunk)])
        for term in order[1:]:
            if not len(ids):
                break
            other_ids, other_scores = decode(*blocks[(term, chunk)])
            ids, mine, theirs = np.intersect1d(ids, other_ids, assume_unique=True, return_indices=True)
            scores = scores[mine] + other_scores[theirs]
        if keys and len(ids):
            lists = [decode(*blocks[(k, chunk)])[0] for k in keys if (k, chunk) in blocks]
            if lists:
                allowed = lists[0] if len(lists) == 1 else np.unique(np.concatenate(lists))
                keep = np.isin(ids, allowed, assume_unique=True)
            else:  # no key of the actor's in this chunk: nothing here is his to see
                keep = np.zeros(len(ids), bool)
            ids, scores = ids[keep], scores[keep]
        found_ids.append(ids + chunk * TermBlock.CHUNK)
        found_scores.append(scores)
    if not found_ids:
        return none
    return np.concatenate(found_ids), np.concatenate(found_scores)


def naive_search(*, actor: User, query: str, limit: int = 20, offset: int = 0) -> SearchResult:
    """The baseline the benchmark compares against, as a straightforward implementation would do it:
    icontains over title, summary and text within the actor's scope, newest first, and the total counted."""
    q = resource_scope_q(actor)
    text = query.strip()
    if q is None or not text:
        return EMPTY
    qs = (
        Resource.objects.filter(q)
        .filter(Q(title__icontains=text) | Q(summary__icontains=text) | Q(text__icontains=text))
        .order_by("-published_at", "-id")
    )
    total = qs.count()
    items = list(qs.select_related("office", "file").prefetch_related("tags")[offset : offset + limit])
    return SearchResult(total=total, items=items)


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
