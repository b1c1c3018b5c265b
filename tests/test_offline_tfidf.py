"""`tfidf.py` computes what scikit-learn's TfidfVectorizer computes, so the shipped
parameters fitted with scikit-learn read the same without it."""

from __future__ import annotations

import json

import numpy as np
from conftest import ROOT
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from committee.engines.offline import learned, similarity, tfidf

DOCS = [
    json.loads(line)["text"] for line in (ROOT / "scenarios" / "corpus" / "health.jsonl").read_text().splitlines()[:120]
]
NEW = ["Nobody on the   premium plan skips the abuse screen!", "", "ok", "Ünïcode café — naïve résumé"]


def test_char_ngrams_and_matrices_equal_scikit_learn():
    for analyzer, ours, min_df in (("char_wb", tfidf.char_wb, 2), (learned.tokens, learned.tokens, 1)):
        ref = TfidfVectorizer(analyzer=analyzer, ngram_range=(3, 5), sublinear_tf=True, min_df=min_df).fit(DOCS)
        vec = tfidf.fit(DOCS, ours, min_df=min_df)
        assert vec.vocabulary == ref.vocabulary_
        assert np.allclose(vec.idf, ref.idf_)
        assert np.allclose(vec.dense(DOCS + NEW), ref.transform(DOCS + NEW).toarray())


def test_the_copied_stop_list_is_scikit_learns():
    assert similarity.ENGLISH_STOP_WORDS == frozenset(ENGLISH_STOP_WORDS)
