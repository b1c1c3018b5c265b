"""Meaning by similarity: TF-IDF (`tfidf.py`) (stemmed word 1-2-grams + character 3-5-grams) of
each sentence against every signal's exemplars and description.

The index is fitted once per signal library (keyed by a fingerprint of the signals'
text) and cached for the process; fitting takes a few milliseconds, transforming a
2,000-word packet about the same. Thread-safe: the cache is filled under a lock and
the fitted vectorizers are only read afterwards.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from committee.engines.offline import tfidf
from committee.models import Signal

ENGLISH_STOP_WORDS = frozenset(
    w
    for w in (Path(__file__).with_name("stop_words.txt").read_text(encoding="utf-8").split("\n"))
    if w and not w.startswith("#")
)
# negations and contrast words carry meaning here, so they are not stop words
STOP = ENGLISH_STOP_WORDS - {
    "not",
    "no",
    "never",
    "nor",
    "without",
    "only",
    "but",
    "first",
    "before",
    "after",
    "every",
    "each",
    "all",
    "less",
    "more",
    "few",
}
WORD_RE = re.compile(r"[a-z0-9]+")
SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")
WORD_WEIGHT = 0.6  # share of the word view in the combined cosine (the rest is characters)


def stem(word: str) -> str:
    if len(word) <= 4:
        return word
    for suf in SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            return word[: -len(suf)] + ("y" if suf in ("ies", "ied") else "")
    return word


def words(text: str) -> list[str]:
    toks = [stem(w) for w in WORD_RE.findall(text.lower()) if w not in STOP]
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


@dataclass(frozen=True)
class Index:
    """Fitted vectorizers and the exemplar matrix; `owner[i]` is the signal of row i."""

    word: tfidf.Vectorizer
    char: tfidf.Vectorizer
    rows_word: np.ndarray  # (exemplars x word vocabulary), L2-normalised rows
    rows_char: np.ndarray
    owner: list[str]
    signal_ids: list[str]

    def similarities(self, texts: list[str]) -> np.ndarray:
        """Matrix (len(texts) x len(signal_ids)): for each text, its best cosine against
        any exemplar (or the description) of each signal."""
        if not texts:
            return np.zeros((0, len(self.signal_ids)))
        sw = self.word.dense(texts) @ self.rows_word.T
        sc = self.char.dense(texts) @ self.rows_char.T
        sims = WORD_WEIGHT * sw + (1 - WORD_WEIGHT) * sc
        out = np.zeros((len(texts), len(self.signal_ids)))
        col = {s: j for j, s in enumerate(self.signal_ids)}
        for i, sid in enumerate(self.owner):
            j = col[sid]
            np.maximum(out[:, j], sims[:, i], out=out[:, j])
        return out


_CACHE: dict[str, Index] = {}
_LOCK = threading.Lock()


def fingerprint(signals: list[Signal]) -> str:
    h = hashlib.sha256()
    for s in sorted(signals, key=lambda s: s.id):
        h.update(s.id.encode())
        for t in [s.description, *s.exemplars]:
            h.update(b"\x00" + t.encode())
    return h.hexdigest()


def build_index(signals: list[Signal]) -> Index:
    texts, owner = [], []
    for s in signals:
        for t in [s.description, *s.exemplars]:
            texts.append(t)
            owner.append(s.id)
    word = tfidf.fit(texts, words)
    char = tfidf.fit(texts, tfidf.char_wb)
    return Index(word, char, word.dense(texts), char.dense(texts), owner, [s.id for s in signals])


def get_index(signals: list[Signal]) -> Index:
    """The cached index for this signal library (fitted on first use)."""
    key = fingerprint(signals)
    idx = _CACHE.get(key)
    if idx is None:
        with _LOCK:
            idx = _CACHE.get(key)
            if idx is None:
                idx = build_index(signals)
                _CACHE[key] = idx
    return idx
