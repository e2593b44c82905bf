"""Near-duplicate stems: normalised character bigrams compared by Jaccard similarity."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

THRESHOLD = 0.8


def normalise(text: str) -> str:
    """Width-folded, lower case, letters and digits only: punctuation and spaces do not count."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def bigrams(key: str) -> frozenset[str]:
    if len(key) < 2:
        return frozenset({key}) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class StemIndex:
    """An inverted index of bigrams, so that a bank of tens of thousands is not compared pairwise.

    Jaccard >= t needs |A ∩ B| >= t·|A| and t·|B| <= |A| <= |B|/t, so only stems sharing enough
    bigrams are scored.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._grams: dict[int, frozenset[str]] = {}
        self._postings: dict[str, list[int]] = defaultdict(list)

    def add(self, ident: int, key: str) -> None:
        grams = bigrams(key)
        self._grams[ident] = grams
        for g in grams:
            self._postings[g].append(ident)

    def extend(self, rows: Iterable[tuple[int, str]]) -> None:
        for ident, key in rows:
            self.add(ident, key)

    def most_similar(self, key: str, *, exclude: int | None = None) -> tuple[int, float] | None:
        grams = bigrams(key)
        if not grams:
            return None
        shared: dict[int, int] = defaultdict(int)
        for g in grams:
            for ident in self._postings.get(g, ()):
                shared[ident] += 1
        need = self.threshold * len(grams)
        best: tuple[int, float] | None = None
        for ident, count in shared.items():
            if ident == exclude or count < need:
                continue
            score = jaccard(grams, self._grams[ident])
            if score >= self.threshold and (best is None or score > best[1]):
                best = (ident, score)
        return best
