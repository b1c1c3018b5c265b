"""TF-IDF features in plain numpy, for reading a packet without importing scikit-learn.

Importing scikit-learn costs about a second per process, and at inference the offline
engine only needs a vocabulary lookup and a dot product. This module computes exactly
what scikit-learn's `TfidfVectorizer(sublinear_tf=True)` computes with its defaults
(smooth idf, L2-normalised rows), so a model fitted with scikit-learn can be applied
here; `tests/test_offline_tfidf.py` checks the equality against scikit-learn itself.

- `fit(docs, analyzer, min_df)` learns a vocabulary (terms sorted, as scikit-learn
  numbers them) and idf = ln((1 + n) / (1 + df)) + 1;
- `Vectorizer.rows(docs)` gives each document as (column indices, values), with
  tf = 1 + ln(count), times idf, L2-normalised; `dense(docs)` the same as a matrix.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np


def char_wb(text: str, lo: int = 3, hi: int = 5) -> list[str]:
    """Character n-grams (lo..hi) inside word boundaries, words padded with a space:
    scikit-learn's `analyzer="char_wb"` on lower-cased text."""
    out: list[str] = []
    for w in text.lower().split():
        w = f" {w} "
        n_chars = len(w)
        for n in range(lo, hi + 1):
            offset = 0
            out.append(w[:n])
            while offset + n < n_chars:
                offset += 1
                out.append(w[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return out


@dataclass(frozen=True)
class Vectorizer:
    """A fitted TF-IDF vocabulary: `vocabulary` term -> column, `idf` (len(vocabulary),)
    float64, and the `analyzer` that turns a text into terms."""

    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray

    @property
    def width(self) -> int:
        return len(self.vocabulary)

    def rows(self, docs: Iterable[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each document as (column indices int64, values float64), L2-normalised."""
        out = []
        vocab = self.vocabulary
        for doc in docs:
            counts = Counter(t for t in self.analyzer(doc) if t in vocab)
            if not counts:
                out.append((np.zeros(0, dtype=np.int64), np.zeros(0)))
                continue
            idx = np.fromiter((vocab[t] for t in counts), dtype=np.int64, count=len(counts))
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
            val = tf * self.idf[idx]
            out.append((idx, val / np.sqrt(val @ val)))
        return out

    def dense(self, docs: list[str]) -> np.ndarray:
        """Matrix (len(docs) x width) of the same values."""
        m = np.zeros((len(docs), self.width))
        for i, (idx, val) in enumerate(self.rows(docs)):
            m[i, idx] = val
        return m


def fit(docs: list[str], analyzer: Callable[[str], list[str]], min_df: int = 1) -> Vectorizer:
    """A Vectorizer over the terms of `docs` that occur in at least `min_df` of them."""
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(analyzer(doc)))
    terms = sorted(t for t, c in df.items() if c >= min_df)
    n = len(docs)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms])
    return Vectorizer(analyzer, {t: i for i, t in enumerate(terms)}, idf)
