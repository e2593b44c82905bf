"""The index's terms: CJK runs become overlapping bigrams (a lone character stays a unigram), ASCII runs
become lower-case words. Shared by indexing and querying, so both cut text the same way."""

from __future__ import annotations

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")


def terms(text: str) -> list[str]:
    out: list[str] = []
    for run in _TOKEN.findall(text.lower()):
        if run[0].isascii():
            out.append(run[:32])
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out
