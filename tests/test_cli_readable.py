"""The CLI's reports at 80 and 60 columns (issue 14, points 15 and 18), through the
real entry point on real SQLite stores (offline engine):

- every table stays readable: no line wider than the terminal, no word broken (each
  word of the report is a word of the same report at 1000 columns), and the values a
  reader looks up (persona names, vote labels, run ids) each on one line;
- `compare`'s diff keeps its marker on every line, continuations included;
- `--help` at 80 columns breaks no word and keeps each command's summary and examples
  on one line;
- a file whose name-derived packet key joins a packet revised from another file says
  so in one stderr line, with the JSON on stdout unchanged."""

from __future__ import annotations

import json
import re

import pytest

from committee.cli import COMMANDS, common
from tests.conftest import EXAMPLES
from tests.conftest import run_cli as run

WIDE = 1000  # a width at which nothing wraps: the words of a report as they should read
NARROW = (80, 60)
NAMES = ("Dr. Mara Okafor", "Jonas Whitfield", "Elena Marchetti", "Dr. Kwame Asante")
VOTE_LABELS = ("Strong Hire", "Strong No Hire", "No Hire")
BOX = re.compile(r"[\u2500-\u257f]")  # box-drawing characters: borders, not words
CONTRACT = {"run_id", "packet", "scenario", "engine", "protocol", "reviews", "debrief", "votes", "decision", "usage"}
RUN_ID = re.compile(r"^[0-9a-f]{12}$")


def at_width(monkeypatch, capsys, width: int, *args: str) -> tuple[int, str, str]:
    """`committee ARGS` in-process at a terminal of `width` columns (COLUMNS, as a
    user sets it; also pinned on the CLI's consoles, created at import)."""
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setattr(common.out, "_width", width)
    monkeypatch.setattr(common.err, "_width", width)
    return run(monkeypatch, capsys, *args)


def words(text: str) -> set[str]:
    """The whitespace-separated words of `text`, borders taken out."""
    return set(BOX.sub(" ", text).split())


def assert_readable(
    narrow: str,
    wide: str,
    width: int,
    *,
    phrases=(),
    allowed: str | None = None,
    ellipsis: bool = False,
) -> None:
    """`narrow` (a report at `width` columns) reads like `wide` (the same report at WIDE):
    no line over `width`; every word is a word of `wide` (a run id is always a whole
    word; `allowed` is a regex of other words a narrow layout may use; with `ellipsis`,
    a word cut with '…' must be the start of a word of `wide`); and every phrase of
    `phrases` that `wide` shows is on one line of `narrow` too."""
    lines = narrow.splitlines()
    assert lines, "no output"
    over = [line for line in lines if len(line) > width]
    assert not over, f"lines over {width} columns: {over[:3]}"
    vocab = words(wide)
    bad = []
    for w in words(narrow) - vocab:
        if RUN_ID.match(w) or (allowed and re.fullmatch(allowed, w)):
            continue
        if ellipsis and w.endswith("…") and len(w) > 1 and any(v.startswith(w[:-1]) for v in vocab):
            continue
        bad.append(w)
    assert not bad, f"broken words at {width} columns: {sorted(bad)[:12]}\n{narrow}"
    for phrase in phrases:
        if phrase in wide:
            assert any(phrase in line for line in lines), f"{phrase!r} is broken at {width} columns\n{narrow}"


@pytest.fixture
def store(monkeypatch, capsys, db_path):
    """A store with the four examples reviewed (two revisions of dylan-growth-pm)."""
    for name in ("weak-growth-pm.md", "weak-growth-pm-rev2.md", "borderline-api-pm.md", "strong-safety-pm.md"):
        code, _, err = run(monkeypatch, capsys, "review", str(EXAMPLES / name), "--json", "--db", str(db_path))
        assert code == 0, err
    return db_path


def report_reads_at_every_width(monkeypatch, capsys, args, **check) -> None:
    """`committee ARGS` at WIDE, then at each NARROW width, each checked by
    `assert_readable` against the wide one."""
    code, wide, err = at_width(monkeypatch, capsys, WIDE, *args)
    assert code == 0, err
    for width in NARROW:
        code, narrow, err = at_width(monkeypatch, capsys, width, *args)
        assert code == 0, err
        assert_readable(narrow, wide, width, **check)


def test_runs_read_at_80_and_60_columns(monkeypatch, capsys, store):
    db = ["--db", str(store)]
    code, out, _ = run(monkeypatch, capsys, "runs", "--json", *db)
    ids = [json.loads(line)["run_id"] for line in out.splitlines()]
    assert len(ids) == 4
    # the narrow layout shows the date without the year; a long key may be cut (`--json` has it)
    report_reads_at_every_width(monkeypatch, capsys, ["runs", *db], phrases=ids, allowed=r"\d\d-\d\d|·", ellipsis=True)
    code, narrow, _ = at_width(monkeypatch, capsys, 60, "runs", *db)
    for run_id in ids:  # each run on one line, with its decision
        line = next(line for line in narrow.splitlines() if run_id in line)
        assert line.rstrip().endswith(("no hire", " hire")), line


def test_stability_reads_at_80_and_60_columns(monkeypatch, capsys, db_path):
    args = ["stability", str(EXAMPLES / "borderline-api-pm.md"), "--runs", "2", "--db", str(db_path)]
    # the vote labels head the distribution's columns (a header may wrap between words)
    report_reads_at_every_width(monkeypatch, capsys, args, phrases=(*NAMES, "Strong No Hire", "No Hire"))


def test_probe_reads_at_80_and_60_columns(monkeypatch, capsys, db_path):
    args = ["probe", str(EXAMPLES / "strong-safety-pm.md"), "--swap", "employer", "--per-swap", "2"]
    report_reads_at_every_width(monkeypatch, capsys, [*args, "--db", str(db_path)], phrases=("Arkwright Systems",))


def test_calibrate_reads_at_80_and_60_columns(monkeypatch, capsys, db_path):
    files = [p.name for p in EXAMPLES.glob("*.md")]
    args = ["calibrate", str(EXAMPLES), "--db", str(db_path)]
    report_reads_at_every_width(monkeypatch, capsys, args, phrases=(*files, *NAMES))


def test_stats_reads_at_80_and_60_columns(monkeypatch, capsys, store):
    report_reads_at_every_width(monkeypatch, capsys, ["stats", "--db", str(store)], phrases=NAMES)


def test_review_and_the_mute_sweep_read_at_80_and_60_columns(monkeypatch, capsys, store):
    db = ["--db", str(store)]
    args = ["review", str(EXAMPLES / "weak-growth-pm.md"), *db]
    # the run's wall time differs from run to run
    report_reads_at_every_width(monkeypatch, capsys, args, phrases=NAMES + VOTE_LABELS, allowed=r"\d+\.\d\ds")
    code, out, _ = run(monkeypatch, capsys, "runs", "--packet", "marcus-api-pm", "--json", *db)
    parent = json.loads(out.splitlines()[0])["run_id"]
    # the sweep forks once per member; the forks of the first sweep are reused after
    report_reads_at_every_width(monkeypatch, capsys, ["fork", parent, "--sweep", "mute", *db], phrases=NAMES)


def test_compare_diff_keeps_its_markers_on_every_line(monkeypatch, capsys, store):
    code, out, _ = run(monkeypatch, capsys, "compare", "dylan-growth-pm", "--json", "--db", str(store))
    diff = json.loads(out)["diff"].splitlines()
    changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed
    for width in NARROW:
        code, out, err = at_width(monkeypatch, capsys, width, "compare", "dylan-growth-pm", "--db", str(store))
        assert code == 0, err
        lines = out.split("Packet diff\n", 1)[1].splitlines()
        assert all(len(line) <= width for line in lines)
        unmarked = [line for line in lines if line[:1] not in ("+", "-", " ", "@")]
        assert not unmarked, f"diff lines without a marker at {width} columns: {unmarked[:3]}"
        shown = [line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        assert len(shown) > len(changed), "no changed line wrapped: the check saw nothing"
        # each changed line reads back whole from its marked pieces
        text = lambda ls: " ".join(w for line in ls for w in line[1:].split())  # noqa: E731
        assert text(s for s in shown if s[0] == "+") == text(c for c in changed if c[0] == "+")


def _summary_and_examples(command) -> tuple[str, list[str]]:
    """A command's summary line and its example command lines, from its docstring."""
    doc = [line.strip() for line in (command.__doc__ or "").splitlines()]
    examples = [line.removeprefix("Example:").strip() for line in doc]
    return doc[0], [e for e in examples if e.startswith("committee ")]


def test_help_keeps_summaries_and_examples_on_one_line_at_80_columns(monkeypatch, capsys):
    for command in COMMANDS:
        name = command.__name__
        summary, examples = _summary_and_examples(command)
        code, wide, _ = at_width(monkeypatch, capsys, WIDE, name, "--help")
        assert code == 0
        code, out, _ = at_width(monkeypatch, capsys, 80, name, "--help")
        assert code == 0
        assert_readable(out, wide, 80)
        lines = [" ".join(line.split()) for line in out.splitlines()]
        assert summary in lines, f"`{name} --help` breaks its summary at 80 columns:\n{out}"
        for example in examples:
            example = " ".join(example.split())
            assert any(example in line for line in lines), f"`{name} --help` splits {example!r} at 80 columns"


def test_a_pdf_after_a_docx_of_the_same_name_says_which_packet_it_joins_and_nothing_else_does(
    monkeypatch, capsys, tmp_path, db_path
):
    from tests.data.intake.builders import docx_bytes, pdf_bytes

    (tmp_path / "cv.docx").write_bytes(
        docx_bytes([("h2", "Resume"), ("p", "Seven years as a PM."), ("h2", "Values"), ("p", "I delayed a launch.")])
    )
    (tmp_path / "cv.pdf").write_bytes(
        pdf_bytes(
            [[("Resume", "normal"), ("Eight years as a PM.", "normal")], [("Values", "normal"), ("No.", "normal")]]
        )
    )
    db = ["--db", str(db_path)]
    review = lambda *a: run(monkeypatch, capsys, "review", *a, "--json", *db)  # noqa: E731
    code, out, err = review(str(tmp_path / "cv.docx"))
    assert code == 0 and "stored as revision" not in err
    code, out, err = review(str(tmp_path / "cv.pdf"))
    assert code == 0, err
    notice = "cv.pdf is stored as revision 2 of packet 'cv' (revision 1 came from cv.docx); pass --packet NAME to keep it apart"
    assert [line for line in err.splitlines() if "stored as revision" in line] == [notice]
    (obj,) = [json.loads(line) for line in out.splitlines()]  # the contract object, one line, as before
    assert set(obj) >= CONTRACT and set(obj["packet"]) >= {"key", "revision", "sha256"}
    assert obj["packet"]["key"] == "cv" and obj["packet"]["revision"] == 2
    code, out, err = review(str(tmp_path / "cv.pdf"))  # the same content again: the same revision, nothing to say
    assert code == 0 and "stored as revision" not in err and json.loads(out)["packet"]["revision"] == 2
    code, out, err = review(str(tmp_path / "cv.pdf"), "--packet", "cv-pdf")  # kept apart
    assert code == 0 and "stored as revision" not in err
    assert json.loads(out)["packet"] == {**json.loads(out)["packet"], "key": "cv-pdf", "revision": 1}
    # no notice for a file revised in place, nor for a key the front matter names
    md = tmp_path / "notes.md"
    for body in ("## Resume\nSeven years as a PM.\n", "## Resume\nEight years as a PM.\n"):
        md.write_text(body)
        code, out, err = review(str(md))
        assert code == 0 and "stored as revision" not in err
    assert json.loads(out)["packet"]["revision"] == 2
    for name in ("weak-growth-pm.md", "weak-growth-pm-rev2.md"):
        code, out, err = review(str(EXAMPLES / name))
        assert code == 0 and "stored as revision" not in err


def test_any_table_fits_any_width_without_breaking_a_word():
    """The table helper itself, at every width from 40 to 130 columns: a table of
    one-line, wrapping, droppable and cut-down columns never draws a line wider than
    the terminal, never breaks a word (a cut-down key ends in '…'), and keeps each
    persona name on one line, from the full table down to stacked blocks."""
    import io

    from rich.console import Console

    from committee.present.terminal.tables import Col, print_table

    cols = [
        Col("persona"),
        Col("vote"),
        Col("packet", shrink=8),
        Col("why", wrap=True),
        Col("rule", wrap=True, drop=1),
        Col("score", "right", drop=2),
    ]
    rows = [
        [name, vote, f"{name.split()[-1].lower()}-safety-pm--stability", why, rule, "3.25"]
        for name, vote, why, rule in zip(
            NAMES,
            ("Strong No Hire", "Hire", "No Hire", "Strong Hire"),
            ("opening a risky capability with no access controls", "ok", "-", "a north star measuring safe success"),
            ("failed-dimension: alignment_judgement", "majority", "veto: safety-lead", "majority"),
            strict=True,
        )
    ]

    def render(width: int) -> str:
        buf = io.StringIO()
        print_table(Console(file=buf, width=width, color_system=None), "Panel", cols, rows)
        return buf.getvalue()

    wide = render(WIDE)
    layouts = set()
    for width in range(40, 131):
        out = render(width)
        assert_readable(out, wide, width, phrases=NAMES + ("Strong No Hire",), ellipsis=True)
        layouts.add("stacked" if "\n  vote" in out else "full" if "┃" in out else "compact")
    assert layouts == {"full", "compact", "stacked"}, layouts  # every layout was reached


PERSONA_IDS = ("research-lead", "safety-lead", "vp-product", "hiring-manager")


def test_reports_name_personas_signals_and_dimensions_not_their_ids(monkeypatch, capsys, store):
    """Ids stay in `--json`; the terminal reads as the app does: persona names in a
    decision's explanation and rule and in a scenario's vetoes, dimension titles instead
    of `alignment_judgement`, and each signal `compare` lists by its title with a
    description (engine evidence such as `comm-structure` included)."""
    from committee.catalog import default_catalog

    db = ["--db", str(store)]
    code, out, err = at_width(monkeypatch, capsys, WIDE, "review", str(EXAMPLES / "weak-growth-pm.md"), *db)
    assert code == 0, err
    assert "failed-dimension" not in out and "alignment_judgement" not in out
    assert "must-pass dimension failed: Alignment judgement" in out
    assert not [p for p in PERSONA_IDS if p in out], out
    code, out, err = at_width(monkeypatch, capsys, WIDE, "review", str(EXAMPLES / "strong-safety-pm.md"), *db)
    assert "Dr. Mara Okafor: Strong Hire" in out and not [p for p in PERSONA_IDS if p in out]
    code, out, _ = at_width(monkeypatch, capsys, WIDE, "scenarios", "safety-pm")
    veto = next(line for line in out.splitlines() if "vetoes:" in line)
    assert "Dr. Mara Okafor: Strong No Hire" in veto and not [p for p in PERSONA_IDS if p in veto]

    code, out, _ = run(monkeypatch, capsys, "compare", "dylan-growth-pm", "--json", *db)
    listed = [s for k in ("red_removed", "red_introduced", "green_added", "green_lost") for s in json.loads(out)[k]]
    assert "comm-structure" in listed, listed  # the engine evidence id the user saw without description
    code, out, err = at_width(monkeypatch, capsys, WIDE, "compare", "dylan-growth-pm", "--no-diff", *db)
    assert code == 0, err
    cat = default_catalog()
    for sid in listed:
        assert not re.search(rf"(?<![\w-]){re.escape(sid)}(?![\w-])", out), f"{sid} shown by id\n{out}"
        own = cat.signals.get(sid) or cat.engine_signals[sid]
        title = own.title
        line = next((line for line in out.splitlines() if f"• {title}: " in line), None)
        assert line is not None, f"{sid}: no '{title}: description' line\n{out}"
        assert len(line.split(": ", 1)[1]) > 10


def test_terminal_feedback_follows_the_apps_view_model(monkeypatch, capsys, store):
    """`review`'s feedback (the `make demo` report) is split like the app's
    (`views.feedback_view`): a dimension at 4/4 is not listed to improve, and the case
    prompts are not a scored rubric dimension but their own heading."""
    db = ["--db", str(store)]
    code, out, _ = run(monkeypatch, capsys, "review", str(EXAMPLES / "strong-safety-pm.md"), "--json", *db)
    kinds = {(f["dimension"], f["score"]) for f in json.loads(out)["feedback"]}
    assert any(d == "case_prompts" for d, _ in kinds) and any(s == 4 for _, s in kinds), kinds  # both cases occur
    code, out, err = at_width(monkeypatch, capsys, WIDE, "review", str(EXAMPLES / "strong-safety-pm.md"), *db)
    assert code == 0, err
    assert "case prompts (mean" not in out and "/4)" not in out.split("Debrief", 1)[1], out
    assert "Case prompts the committee may still ask" in out
    assert "Every rubric dimension is at its best or close to it" in out


def test_study_reports_read_rules_in_words(monkeypatch, capsys, db_path):
    """`stability` (and every report using `tables.rule_text`) names a rule as the app
    does, not by its id."""
    args = ["stability", str(EXAMPLES / "weak-growth-pm.md"), "--runs", "2", "--db", str(db_path)]
    code, out, err = at_width(monkeypatch, capsys, WIDE, *args)
    assert code == 0, err
    assert "failed-dimension" not in out and "alignment_judgement" not in out
    assert "must-pass dimension failed: Alignment judgement ×2" in out
    code, out, err = at_width(monkeypatch, capsys, WIDE, "calibrate", str(EXAMPLES), "--db", str(db_path))
    assert code == 0, err
    assert "safety treated as negotiable or as a later fix" in out and "safety-negotiable" not in out
