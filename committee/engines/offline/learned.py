"""Meaning learned from labelled sentences: one linear classifier per signal.

Concept cues (`detect.py`) are precise but only know the words someone wrote into them;
a new writer's phrasing slips past. This layer learns each signal from many labelled
sentences written by different writers in different domains (the signal corpus,
`scenarios/corpus/*.jsonl`, plus every signal's exemplars), so words that co-occur with a
signal count even when no cue lists them.

Features (TF-IDF with sublinear tf, `tfidf.py`, equal to scikit-learn's `TfidfVectorizer`):
- stemmed words and word pairs, where a word inside a negation's scope is marked
  (`~canary` in "we would never canary it"), so the model can learn that a negated idea
  is a different idea (the sentiment-analysis "NOT_" trick);
- character 3-5-grams inside word boundaries, for unseen inflections and compounds.

Model: scikit-learn `LogisticRegression` (liblinear, L2, balanced class weights), one per
signal, weights stored as float16. The fit of the built-in corpus ships as data
(`fitted.npz`, checked against the fit key), so no user waits for it and reading a
packet never imports scikit-learn (a second per process); a user's own corpus file is
fitted once (about 8 s on 2 cores) and kept on disk (`cache_dir()`), keyed by a
fingerprint of all that the fit depends on. `probabilities()`
returns, per sentence, each signal's probability in [0, 1]; `detect.py` decides what a
probability is worth (thresholds, and the framing vetoes that a bag of words cannot read).

Corpus format (JSON Lines): {"text": str, "red": [signal ids], "green": [signal ids], ...};
ids not in the signal library are ignored; a sentence with no ids is a negative for all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

from committee.engines.offline import tfidf
from committee.engines.offline.similarity import STOP, stem
from committee.errors import BadInput
from committee.models import Signal

C = 4.0  # inverse L2 strength, chosen by leave-one-writer-out CV (bench/cv_learned.py)
CHAR_WEIGHT = 1.0  # scale of the character view against the word view
FEATURES = 3  # the feature format; the fit key also hashes the feature code itself (_feature_source)
COEF_DTYPE = np.float16  # stored precision of the weights (the shipped file is ~4 MB instead of ~9)
SHIPPED = Path(__file__).with_name("fitted.npz")  # the fit of the built-in corpus, shipped as data
TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
NEGATORS = frozenset(
    "not no never nobody none nothing neither nor without cannot can't won't wouldn't shouldn't don't doesn't "
    "didn't isn't aren't wasn't weren't mustn't refuse refused refusing declined decline rejected reject "
    "avoid avoided instead rather".split()
)
SCOPE_END = re.compile(r"[,;:.!?()\u2014\u2013]| - | but | unless | until | so | because ")


def tokens(text: str) -> list[str]:
    """Stemmed content words of `text`, words in a negation's scope prefixed `~`, plus
    adjacent pairs. Scope: from a negator to the end of its clause (punctuation, "but",
    "unless", "until", "so", "because")."""
    out: list[str] = []
    for part in SCOPE_END.split(text.lower().replace("\u2019", "'")):
        neg = False
        for w in TOKEN_RE.findall(part):
            if w in NEGATORS or w.endswith("n't"):
                neg = True
                out.append("~")
                continue
            if w in STOP:
                continue
            out.append(("~" if neg else "") + stem(w))
    return out + [f"{a} {b}" for a, b in zip(out, out[1:])]


REJECTS = "_rejects"  # head: the sentence turns an idea down (corpus kind "negated")
ANY_RED = "_red"  # head: the sentence asserts some red flag (any red id)


@dataclass(frozen=True)
class Model:
    """Fitted vectorizers and one linear classifier per head: the signals in
    `signal_ids` (in that order), then two framing heads, `REJECTS` and `ANY_RED`,
    that pool every writer's examples across signals. A head with no positive
    example has no classifier (always ~0). `coef` is (word width + char width, heads):
    the word view's rows first."""

    word: tfidf.Vectorizer
    char: tfidf.Vectorizer
    coef: np.ndarray  # (n_features, n_heads), COEF_DTYPE as stored; float64 in a select()ed view
    intercept: np.ndarray  # (n_heads,)
    signal_ids: list[str]

    def heads(self, texts: list[str]) -> np.ndarray:
        """Matrix (len(texts) x (len(signal_ids) + 2)) of probabilities in [0, 1]."""
        z = np.tile(self.intercept.astype(np.float64), (len(texts), 1))
        offset = self.word.width
        for i, ((wi, wv), (ci, cv)) in enumerate(zip(self.word.rows(texts), self.char.rows(texts))):
            z[i] += wv @ self.coef[wi] + (CHAR_WEIGHT * cv) @ self.coef[ci + offset]
        return 1.0 / (1.0 + np.exp(-z))

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Matrix (len(texts) x len(signal_ids)): each signal's probability in [0, 1]."""
        return self.heads(texts)[:, : len(self.signal_ids)]

    def select(self, ids: list[str]) -> Model:
        """The same model answering for `ids` only (in that order), then the two framing
        heads. Raises ValueError for an id the model was not fitted on."""
        cols = [self.signal_ids.index(i) for i in ids] + [len(self.signal_ids), len(self.signal_ids) + 1]
        return Model(self.word, self.char, self.coef[:, cols].astype(np.float64), self.intercept[cols], list(ids))


def corpus_files() -> list[Path]:
    """Every `corpus/*.jsonl` under the scenario folders of `committee.catalog.search_path`
    (built-in first, then the user's), each folder's files in name order."""
    from committee.catalog import search_path

    return [p for d in search_path("scenarios") for p in sorted((d / "corpus").glob("*.jsonl")) if p.is_file()]


def load_corpus(paths: list[Path] | None = None) -> list[dict]:
    """Labelled sentences from `paths` (default: `corpus_files()`): dicts with `text`,
    `red`, `green` (lists of ids) and `kind` (None when the record has none). Raises
    BadInput naming the file and line of an unreadable file or a malformed record."""
    if paths is None:
        paths = corpus_files()
    items = []
    for p in paths:
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise BadInput(f"{p}: cannot read the corpus file ({e.__class__.__name__})") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
                item = {"text": o["text"], "red": o.get("red", []), "green": o.get("green", []), "kind": o.get("kind")}
                if not (
                    isinstance(item["text"], str)
                    and all(
                        isinstance(item[k], list) and all(isinstance(i, str) for i in item[k]) for k in ("red", "green")
                    )
                ):
                    raise TypeError("text must be a string, red and green lists of signal ids")
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise BadInput(f"{p}: line {n}: not a labelled sentence ({e})") from None
            items.append(item)
    return items


def training_set(signals: list[Signal], corpus: list[dict]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, a (len(texts) x (len(signals) + 2)) 0/1 label matrix and a same-shape mask
    of which rows train which head. Rows: corpus sentences, then each signal's
    description and exemplars (positives of that signal only). `REJECTS` trains on
    corpus sentences whose kind is negated (1) or positive/mixed (0); `ANY_RED` on
    every row, 1 when a red id of the library is asserted."""
    col = {s.id: j for j, s in enumerate(signals)}
    red = {s.id for s in signals if s.polarity == "red"}
    k = len(signals)
    texts, rows, masks = [], [], []

    def add(text, ids, kind):
        y, m = np.zeros(k + 2), np.ones(k + 2)
        for sid in ids:
            if sid in col:
                y[col[sid]] = 1
        y[k + 1] = float(any(sid in red for sid in ids))
        y[k] = float(kind == "negated")
        m[k] = float(kind in ("negated", "positive", "mixed"))
        texts.append(text)
        rows.append(y)
        masks.append(m)

    for it in corpus:
        add(it["text"], [*it["red"], *it["green"]], it.get("kind"))
    for s in signals:
        for t in [s.description, *s.exemplars]:
            add(t, [s.id], None)
    return texts, np.array(rows).reshape(len(texts), k + 2), np.array(masks, dtype=bool).reshape(len(texts), k + 2)


def fit(signals: list[Signal], corpus: list[dict], c: float = C) -> Model:
    """A Model fitted on `training_set(signals, corpus)` with scikit-learn (imported here
    only: reading a packet never needs it). Deterministic."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    texts, y, mask = training_set(signals, corpus)
    word = tfidf.fit(texts, tokens, min_df=1)
    char = tfidf.fit(texts, tfidf.char_wb, min_df=2)

    def matrix(vec: tfidf.Vectorizer, scale: float = 1.0):
        rows = vec.rows(texts)
        indptr = np.cumsum([0] + [len(i) for i, _ in rows])
        return sp.csr_matrix(
            (np.concatenate([v for _, v in rows]) * scale, np.concatenate([i for i, _ in rows]), indptr),
            shape=(len(texts), vec.width),
        )

    x = sp.hstack([matrix(word), matrix(char, CHAR_WEIGHT)]).tocsr()
    coef = np.zeros((x.shape[1], y.shape[1]))
    intercept = np.full(y.shape[1], -30.0)
    # one BLAS thread: liblinear's small dot products gain nothing from more, and on a busy
    # machine spinning BLAS threads made the same fit 6x slower (8 s -> 50 s measured)
    with threadpool_limits(limits=1):
        for j in range(y.shape[1]):
            rows = mask[:, j]
            if 0 < y[rows, j].sum() < rows.sum():
                clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=200, random_state=0)
                clf.fit(x[rows], y[rows, j])
                coef[:, j] = clf.coef_[0]
                intercept[j] = clf.intercept_[0]
    return Model(word, char, coef.astype(COEF_DTYPE), intercept, [s.id for s in signals])


_FITS: dict[str, Model] = {}  # fit key -> the model for the whole library
_VIEWS: dict[tuple[str, tuple[str, ...]], Model] = {}  # (fit key, signal ids) -> its column slice
_LOCK = threading.Lock()
FIRST_FIT_NOTICE = (
    "Fitting the offline engine's signal model on its labelled corpus: its shipped fit does not match the "
    "corpus here (measured at about a minute on two cores; cached for later runs)..."
)


def _key(signals: list[Signal], files: list[Path]) -> str:
    """Content fingerprint of everything a fit depends on: the library's descriptions
    and exemplars, the corpus files' bytes (not their paths), the feature version and
    the fit's constants. The shipped fit (`SHIPPED`) carries the key it was made for."""
    h = hashlib.sha256(json.dumps([[s.id, s.description, s.exemplars] for s in signals]).encode())
    for p in files:
        try:
            h.update(b"\0" + p.read_bytes())
        except OSError as e:
            raise BadInput(f"{p}: cannot read the corpus file ({e.__class__.__name__})") from None
    h.update(repr((FEATURES, C, CHAR_WEIGHT, np.dtype(COEF_DTYPE).name)).encode())
    h.update(_feature_source())
    return h.hexdigest()[:40]


def _feature_source() -> bytes:
    """The code the features come from: `tokens` with its word lists and scope pattern,
    the stemmer and stop list, and `tfidf.py`. Changing any of it changes the fit key,
    so a stale shipped or cached fit is never used (editing this module's prose is free)."""
    import inspect

    from committee.engines.offline import similarity

    parts = [
        inspect.getsource(tokens),
        " ".join(sorted(NEGATORS)),
        SCOPE_END.pattern,
        TOKEN_RE.pattern,
        inspect.getsource(similarity.stem),
        " ".join(sorted(STOP)),
        Path(tfidf.__file__).read_text(encoding="utf-8"),
    ]
    return "\0".join(parts).encode("utf-8")


def cache_dir() -> Path:
    """Where fitted models are kept between processes: `COMMITTEE_CACHE_DIR`, else the
    platform's user cache folder (platformdirs) + `/learned`."""
    env = os.environ.get("COMMITTEE_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("committee")) / "learned"


def _vocab_bytes(vec: tfidf.Vectorizer) -> np.ndarray:
    """The vocabulary in column order, one term a line; lone surrogates from a user's
    corpus survive the round trip ("surrogatepass")."""
    terms = sorted(vec.vocabulary, key=vec.vocabulary.get)
    return np.frombuffer("\n".join(terms).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _terms(raw: np.ndarray) -> dict[str, int]:
    text = raw.tobytes().decode("utf-8", "surrogatepass")
    return {t: i for i, t in enumerate(text.split("\n"))} if text else {}


def _load(path: Path, key: str | None = None) -> Model | None:
    """The Model stored at `path` (npz, as `_save` writes it), or None when the file is
    missing, unreadable, or made for another key than `key`."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if key is not None and str(z["key"]) != key:
                return None
            word = tfidf.Vectorizer(tokens, _terms(z["word_terms"]), z["word_idf"])
            char = tfidf.Vectorizer(tfidf.char_wb, _terms(z["char_terms"]), z["char_idf"])
            ids = [i for i in str(z["signal_ids"]).split("\n") if i]
            model = Model(word, char, z["coef"], z["intercept"], ids)
        ok = model.coef.shape == (word.width + char.width, len(ids) + 2)
        return model if ok else None
    except Exception:  # missing, truncated or from another version: refit
        return None


def _save(path: Path, model: Model, key: str = "") -> None:
    """Atomic write (temp file + rename) of an npz; a read-only or full disk only costs
    a refit."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as f:
            tmp = f.name
            np.savez_compressed(
                f,
                key=np.array(key),
                signal_ids=np.array("\n".join(model.signal_ids)),
                word_terms=_vocab_bytes(model.word),
                word_idf=model.word.idf,
                char_terms=_vocab_bytes(model.char),
                char_idf=model.char.idf,
                coef=model.coef.astype(COEF_DTYPE),
                intercept=model.intercept,
            )
        os.replace(tmp, path)
    except (OSError, ValueError):  # a full or read-only disk, or text numpy cannot store: refit next time
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _library_and_key(signals: list[Signal]) -> tuple[list[Signal], str]:
    """The whole signal library (plus any of `signals` it lacks), sorted by id, and the
    fit key for it. Memoised on the files' sizes and modification times, so a call
    costs a few stat() calls once the process has seen these files."""
    from committee.catalog import SIGNAL_LIBRARY, load_signals, search_path

    files = corpus_files()
    stats = [(p, p.stat()) for p in [*files, *(d / SIGNAL_LIBRARY for d in search_path("scenarios"))] if p.exists()]
    stamp = (
        tuple((str(p), st.st_mtime_ns, st.st_size) for p, st in stats),
        tuple((s.id, s.description, tuple(s.exemplars)) for s in signals),
    )
    hit = _STAMPS.get(stamp)
    if hit is None:
        library = {**load_signals(), **{s.id: s for s in signals}}
        everything = [library[i] for i in sorted(library)]
        hit = _STAMPS[stamp] = (everything, _key(everything, files))
    return hit


_STAMPS: dict[tuple, tuple[list[Signal], str]] = {}


def model_key(signals: list[Signal]) -> str:
    """The fit key `get_model(signals)` uses (cheap after the first call): what a cache of
    results that depend on the model must include."""
    return _library_and_key(signals)[1]


def get_model(signals: list[Signal]) -> Model:
    """The Model for `signals`, fitted on the whole signal library (built-in and user
    folders, plus any of `signals` it lacks) and the installed corpus, so every scenario
    shares one fit and one framing head. From the process cache, else the shipped fit
    (`SHIPPED`, when its key matches: the built-in corpus and library), else the disk
    cache (`cache_dir()`), else fitted (about 8 s for ~6,000 sentences) and saved. A
    changed corpus file, library or feature version gives a new key."""
    everything, key = _library_and_key(signals)
    view = (key, tuple(s.id for s in signals))
    model = _VIEWS.get(view)
    if model is None:
        with _LOCK:
            full = _FITS.get(key)
            if full is None:
                path = cache_dir() / f"{key}.npz"
                full = _load(SHIPPED, key) or _load(path, key)
                if full is None:
                    full = fit(everything, load_corpus(corpus_files()))
                    _save(path, full, key)
                _FITS[key] = full
            model = _VIEWS[view] = full.select(list(view[1]))
    return model


def is_ready(signals: list[Signal]) -> bool:
    """True when `get_model(signals)` will not need a fit (it is cached in this process
    or on disk)."""
    key = model_key(signals)
    return key in _FITS or _shipped_key() == key or (cache_dir() / f"{key}.npz").exists()


def _shipped_key() -> str | None:
    try:
        with np.load(SHIPPED, allow_pickle=False) as z:
            return str(z["key"])
    except Exception:
        return None


def write_shipped() -> Path:
    """Fit the built-in signal library on the built-in corpus and write it to `SHIPPED`
    (run by `make fit` after a corpus, exemplar or feature change; a test checks the
    shipped key matches)."""
    everything, key = _library_and_key([])
    _save(SHIPPED, fit(everything, load_corpus(corpus_files())), key)
    SHIPPED.chmod(0o644)
    return SHIPPED


def warm(notify) -> None:
    """Make sure the library's model is fitted, calling `notify(FIRST_FIT_NOTICE)` first
    when that takes a fit, so a front end never sits silent for the first run. Raises
    BadInput for an unreadable or malformed corpus file."""
    if not is_ready([]):
        notify(FIRST_FIT_NOTICE)
    get_model([])
