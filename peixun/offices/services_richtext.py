"""Rich text of lesson drafts: sanitising (nh3) and a readable diff between two versions.

Drafts are sanitised when written, never when read: what is stored is safe to render. The diff works
on the plain text of each section (tags dropped), so markup changes never produce noise, and every piece
it emits is escaped before being wrapped in <ins>/<del>.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "h2", "h3", "h4", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "hr", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Dropped with everything inside them, not just their tags.
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}

_TOKEN = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.DOTALL)


def sanitise(fragment: str) -> str:
    return nh3.clean(
        fragment or "",
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def plain_text(fragment: str) -> str:
    """The text of sanitised HTML: block ends become line breaks, tags go, entities are decoded."""
    marked = re.sub(r"(?i)<br\s*/?>|</(p|li|h[2-4]|tr|blockquote)>", "\n", fragment or "")
    return html.unescape(nh3.clean(marked, tags=set())).strip()


@dataclass
class SectionDiff:
    index: int
    title_old: str
    title_new: str
    change: str  # "same", "changed", "added", "removed"
    html: str  # escaped text with <ins>/<del>


def _inline_diff(old: str, new: str) -> str:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if op == "equal":
            out.append(removed)
        if op in ("delete", "replace") and removed:
            out.append(f"<del>{removed}</del>")
        if op in ("insert", "replace") and added:
            out.append(f"<ins>{added}</ins>")
    return "".join(out).replace("\n", "<br>")


def diff_sections(old: list[dict], new: list[dict]) -> list[SectionDiff]:
    """Section by section (by position); a section only in one version is added or removed."""
    result = []
    for i in range(max(len(old), len(new))):
        o = old[i] if i < len(old) else None
        n = new[i] if i < len(new) else None
        if o is None and n is not None:
            text = html.escape(plain_text(n.get("html", ""))).replace("\n", "<br>")
            result.append(SectionDiff(i, "", n.get("title", ""), "added", f"<ins>{text}</ins>" if text else ""))
        elif n is None and o is not None:
            text = html.escape(plain_text(o.get("html", ""))).replace("\n", "<br>")
            result.append(SectionDiff(i, o.get("title", ""), "", "removed", f"<del>{text}</del>" if text else ""))
        elif o is not None and n is not None:
            old_text, new_text = plain_text(o.get("html", "")), plain_text(n.get("html", ""))
            same = old_text == new_text and o.get("title") == n.get("title")
            result.append(
                SectionDiff(
                    i,
                    o.get("title", ""),
                    n.get("title", ""),
                    "same" if same else "changed",
                    _inline_diff(old_text, new_text),
                )
            )
    return result
