"""Sensitive words: a message with a blocking word is refused; masking words become asterisks."""

from __future__ import annotations

from collections.abc import Iterable


def apply_words(text: str, words: Iterable[tuple[str, str]]) -> tuple[str, str | None]:
    """Returns (text with masked words replaced, the first blocking word found or None).

    Matching ignores case for Latin letters; words are (word, action) with action "block" or "mask".
    """
    lowered = text.lower()
    masks: list[str] = []
    for word, action in words:
        w = word.strip().lower()
        if not w or w not in lowered:
            continue
        if action == "block":
            return text, word
        masks.append(w)
    # Longest first, so that a word containing another is masked whole.
    for w in sorted(masks, key=len, reverse=True):
        out: list[str] = []
        start = 0
        low = text.lower()
        while True:
            i = low.find(w, start)
            if i < 0:
                out.append(text[start:])
                break
            out.append(text[start:i])
            out.append("*" * len(w))
            start = i + len(w)
        text = "".join(out)
    return text, None
