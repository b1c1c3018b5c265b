"""The learned layer of the offline engine: features, corpus loading, the fit, and the
process/disk model cache."""

from __future__ import annotations

import json

import numpy as np
import pytest

from committee.catalog import load_catalog
from committee.engines.offline import learned
from committee.errors import BadInput


def _forget(monkeypatch, tmp_path=None):
    """Start from an empty process cache (the disk cache is whatever the test set up);
    with `tmp_path`, also without the shipped fit, as for a user's own corpus."""
    monkeypatch.setattr(learned, "_FITS", {})
    monkeypatch.setattr(learned, "_VIEWS", {})
    if tmp_path is not None:
        monkeypatch.setattr(learned, "SHIPPED", tmp_path / "no-shipped-fit.npz")


@pytest.fixture
def small_corpus(monkeypatch):
    """The cache tests test the cache, not the fit: `get_model` fits on the corpus's
    first 200 sentences (a few seconds instead of the full fit, which
    test_the_shipped_fit_is_the_fit_of_the_built_in_corpus does once per run)."""
    full = learned.load_corpus
    monkeypatch.setattr(learned, "load_corpus", lambda paths=None: full(paths)[:200])


@pytest.fixture(scope="module")
def sigs():
    cat = load_catalog()
    return [cat.signals[s] for s in cat.scenario("safety-pm").signals]


def test_negation_scope_marks_words_until_the_clause_ends():
    toks = learned.tokens("We would never canary the agent, but we measure refusals.")
    assert "~canary" in toks and "~agent" in toks
    assert "measure" in toks and "~measure" not in toks  # "but" ends the scope
    assert "canary" not in toks


def test_bad_corpus_line_is_named(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text('{"text": "fine", "red": [], "green": []}\n{"red": []}\n')
    with pytest.raises(BadInput, match=r"c\.jsonl: line 2"):
        learned.load_corpus([f])
    f.write_text('{"text": "fine", "red": "safety-negotiable", "green": []}\n')
    with pytest.raises(BadInput, match="line 1"):
        learned.load_corpus([f])


def test_fit_is_deterministic_and_learns_from_the_corpus(sigs):
    corpus = [
        {
            "text": f"Members of the {w} club get the raw model with the moderation layer switched off.",
            "red": ["pay-for-weaker-safety"],
            "green": [],
        }
        for w in ("gold", "platinum", "diamond", "founders")
    ]
    corpus += [
        {"text": f"Members of the {w} club get priority support and a higher monthly quota.", "red": [], "green": []}
        for w in ("gold", "platinum", "diamond", "founders")
    ]
    a, b = learned.fit(sigs, corpus), learned.fit(sigs, corpus)
    probe = ["Members of the emerald club get the raw model with moderation switched off."]
    j = a.signal_ids.index("pay-for-weaker-safety")
    assert np.array_equal(a.probabilities(probe), b.probabilities(probe))
    without = learned.fit(sigs, []).probabilities(probe)[0, j]
    assert a.probabilities(probe)[0, j] > without + 0.1


def test_model_is_cached_on_disk_and_reused(sigs, tmp_path, monkeypatch, small_corpus):
    monkeypatch.setenv("COMMITTEE_CACHE_DIR", str(tmp_path))
    _forget(monkeypatch, tmp_path)
    first = learned.get_model(sigs)
    saved = list(tmp_path.glob("*.npz"))
    assert len(saved) == 1
    _forget(monkeypatch)
    monkeypatch.setattr(learned, "fit", lambda *a, **k: pytest.fail("refitted despite a cached model"))
    again = learned.get_model(sigs)
    texts = ["We let the biggest customers skip moderation."]
    assert np.allclose(first.probabilities(texts), again.probabilities(texts))


def test_a_corrupt_cache_file_means_a_refit(sigs, tmp_path, monkeypatch, small_corpus):
    monkeypatch.setenv("COMMITTEE_CACHE_DIR", str(tmp_path))
    _forget(monkeypatch, tmp_path)
    learned.get_model(sigs)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(b"not an npz file")
    _forget(monkeypatch)
    model = learned.get_model(sigs)
    assert model.probabilities(["x"]).shape == (1, len(sigs))
    assert path.read_bytes() != b"not an npz file"


def test_a_user_corpus_folder_changes_the_model(sigs, tmp_path, monkeypatch):
    monkeypatch.setenv("COMMITTEE_CACHE_DIR", str(tmp_path / "cache"))
    _forget(monkeypatch)
    base = learned._key(sigs, learned.corpus_files())
    extra = tmp_path / "scen" / "corpus"
    extra.mkdir(parents=True)
    (extra / "mine.jsonl").write_text(
        json.dumps({"text": "Our loyalty tier skips the abuse screen.", "red": ["pay-for-weaker-safety"], "green": []})
        + "\n"
    )
    monkeypatch.setenv("COMMITTEE_SCENARIOS", str(tmp_path / "scen"))
    files = learned.corpus_files()
    assert files[-1] == extra / "mine.jsonl"
    assert learned._key(sigs, files) != base


# Sentences written for these tests (not in the corpus) whose wording no concept cue
# lists: only the learned layer reads them, and it must read stance as well as topic.
NEW_VOCABULARY = [
    (
        "Honestly the age checks slow signup, so the family plan skips them for households paying annually.",
        "red",
        "pay-for-weaker-safety",
    ),
    (
        "Everything customers dictate to the voice assistant quietly becomes training material for next year's model.",
        "red",
        "data-without-consent",
    ),
    (
        "Anyone with an email address can call the protein-design endpoint; we'll watch the forums for abuse.",
        "red",
        "open-access-no-controls",
    ),
    (
        "I told the enterprise buyer we would not switch off the abuse screen for them, and we lost the renewal.",
        "green",
        "accepts-safety-cost",
    ),
]


@pytest.mark.parametrize("text,polarity,signal", NEW_VOCABULARY)
def test_learned_layer_reads_wording_no_cue_lists(sigs, text, polarity, signal):
    from committee.engines.offline.detect import detect_signals

    assert signal not in {h.signal for h in detect_signals(text, sigs, mode="cues")}
    hits = detect_signals(text, sigs)
    assert signal in {h.signal for h in hits if h.polarity == polarity and h.via == "learned"}
    if polarity == "green":
        assert not [h for h in hits if h.polarity == "red"]  # declining the ask is not caving


def test_one_salient_word_is_not_a_stance(sigs):
    """A heading-like fragment that only names a topic ("Guardrails: ...") gets no
    learned hit: the probability must survive deleting any one word or the label."""
    from committee.engines.offline.detect import detect_signals

    for text in (
        "Guardrails: over-enforcement and parity across demographic groups.",
        "North star: drafts sent without substantive edits.",
    ):
        assert [h.signal for h in detect_signals(text, sigs) if h.via == "learned"] == [], text


def test_rejecting_framing_vetoes_a_learned_red_flag(sigs):
    from committee.engines.offline.detect import detect_signals

    assert [
        h
        for h in detect_signals("It would be a mistake to A/B test the unrestricted mode on real patients.", sigs)
        if h.polarity == "red"
    ] == []


def test_cli_names_a_malformed_user_corpus_and_writes_nothing(tmp_path, monkeypatch, capsys):
    from conftest import EXAMPLES, run_cli

    scen = tmp_path / "scen" / "corpus"
    scen.mkdir(parents=True)
    (scen / "mine.jsonl").write_text('{"text": "ok", "red": [], "green": []}\nnot json\n')
    monkeypatch.setenv("COMMITTEE_SCENARIOS", str(tmp_path / "scen"))
    monkeypatch.setenv("COMMITTEE_CACHE_DIR", str(tmp_path / "cache"))
    _forget(monkeypatch)
    db = tmp_path / "c.db"
    code, out, err = run_cli(monkeypatch, capsys, "review", str(EXAMPLES / "strong-safety-pm.md"), "--db", str(db))
    assert code == 2
    assert "mine.jsonl: line 2" in err.strip().splitlines()[-1] and "Traceback" not in err
    assert not db.exists()


def test_a_stated_requirement_is_not_the_red_flag_it_forbids(sigs):
    from committee.engines.offline.detect import detect_signals

    text = "No agent action that moves money happens without a person signing off."
    assert [h.signal for h in detect_signals(text, sigs) if h.polarity == "red"] == []


def test_corpus_folder_ignores_directories_and_dangling_links(tmp_path, monkeypatch):
    corpus = tmp_path / "scen" / "corpus"
    (corpus / "dir.jsonl").mkdir(parents=True)
    (corpus / "gone.jsonl").symlink_to(tmp_path / "nowhere")
    monkeypatch.setenv("COMMITTEE_SCENARIOS", str(tmp_path / "scen"))
    assert not any(p.parent == corpus for p in learned.corpus_files())


def test_warm_says_so_only_when_it_has_to_fit(sigs, tmp_path, monkeypatch, small_corpus):
    monkeypatch.setenv("COMMITTEE_CACHE_DIR", str(tmp_path))
    _forget(monkeypatch, tmp_path)
    said: list[str] = []
    learned.warm(said.append)
    assert said == [learned.FIRST_FIT_NOTICE]
    _forget(monkeypatch)  # a new process: the model now comes from disk, silently
    learned.warm(said.append)
    assert said == [learned.FIRST_FIT_NOTICE]


@pytest.mark.slow  # the one full fit of the run
def test_the_shipped_fit_is_the_fit_of_the_built_in_corpus(monkeypatch, tmp_path):
    """No user waits for a fit: the parameters ship as data, for exactly the current
    corpus, library and features (a stale file fails here: run `make fit`)."""
    assert learned._shipped_key() == learned.model_key([])
    shipped = learned._load(learned.SHIPPED, learned.model_key([]))
    assert shipped is not None
    everything, _ = learned._library_and_key([])
    fresh = learned.fit(everything, learned.load_corpus())
    texts = [
        "Premium accounts get the unfiltered model.",
        "We would never canary a capability that writes exploits.",
        "I delayed the launch by two weeks to rerun the red-team suite.",
    ]
    # a refit on another CPU differs by ~1e-6 (BLAS rounding); a stale fit by far more
    assert np.allclose(shipped.heads(texts), fresh.heads(texts), atol=1e-4)


@pytest.mark.slow  # a fresh Python process
def test_reading_a_packet_never_imports_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys; from committee.engines.offline import learned; from committee.catalog import load_catalog; "
        "from committee.engines.offline.detect import detect_signals; c = load_catalog(); "
        "sig = [c.signals[s] for s in c.scenario('safety-pm').signals]; "
        "detect_signals('We let premium accounts skip the filters.', sig); "
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
