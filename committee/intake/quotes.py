"""Where a quote sits in the packet text: the one place an evidence quote is matched
back to its span, by the engines that check a model's quotes, by the offline engine
that repairs an integrity concern's offset and by the views that mark cited passages."""

from __future__ import annotations

import re


def find_quote(text: str, quote: str, start: int | None = None, *, loose: bool = False) -> tuple[int, int] | None:
    """The span (start, end) of `quote` in `text`: at `start` when the text there is the
    quote, else its first occurrence, else (with `loose`) the same words with other
    whitespace between them (line wraps). None when it is not in the text."""
    if start is not None and text[start : start + len(quote)] == quote:
        return start, start + len(quote)
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    words = quote.split() if loose else []
    m = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
    return m.span() if m else None
