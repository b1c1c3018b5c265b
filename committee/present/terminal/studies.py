"""Terminal rendering of the trust studies with rich (pure presentation), and the
stderr progress bar of multi-run commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from committee.present.terminal.run import vote_text
from committee.present.terminal.tables import Col, print_table, rule_text
from committee.trust.common import VOTES


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _outcome(o: str | None) -> Text:
    if not o:
        return Text("-", style="dim")
    return Text(o.replace("_", " "), style="green" if o == "hire" else "red")


def _signal_name(signal_id: str) -> str:
    """A signal by its readable title (`feedback.signal_title`), the id where the catalog
    does not load; `--json` keeps the id."""
    from committee.decision.feedback import signal_title
    from committee.errors import CommitteeError

    try:
        return signal_title(signal_id)
    except CommitteeError:
        return signal_id


@contextmanager
def study_progress(console: Console, title: str) -> Iterator:
    """A progress bar on `console` (stderr); yields the callback (done, total, label)."""
    with Progress(
        TextColumn(f"[bold]{title}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label)

        yield update


def render_stability(rep: dict[str, Any], console: Console, names: dict[str, str]) -> None:
    """A stability study (`trust.stability` report): the modal decision and agreement,
    each persona's vote distribution, then one row per run (its votes and decision; the
    speaking order where the terminal has room)."""
    s = rep["summary"]
    console.print(
        Text.assemble(
            (f"Stability of {rep['packet']['key']}", "bold"),
            f" · {s['runs']} runs · engine {rep['engine']} · seed {rep['seed']}\n",
            "modal decision ",
            _outcome(s["modal_decision"]),
            f" · agreement {_pct(s['agreement'])}",
            f" (hire {s['decisions']['hire']}, no hire {s['decisions']['no_hire']}) · rules: ",
            ", ".join(f"{rule_text(k)} ×{v}" for k, v in s["rules"].items()),
        )
    )
    print_table(
        console,
        "Final vote distribution per persona (sealed in brackets)",
        [Col("persona"), *[Col(vote_text(v), justify="right") for v in VOTES], Col("modal"), Col("agreement", "right")],
        [
            [
                names.get(p, p),
                *[f"{d['final'][v]} ({d['sealed'][v]})" for v in VOTES],
                vote_text(d["modal"]),
                _pct(d["agreement"]),
            ]
            for p, d in s["personas"].items()
        ],
    )
    print_table(
        console,
        "Runs",
        [
            Col("#", "right"),
            Col("run id"),
            *[Col(names.get(p, p)) for p in rep["panel"]],
            Col("decision"),
            Col("speaking order", wrap=True, drop=1),
        ],
        [
            [
                str(r["index"] + 1),
                r["run_id"],
                *[vote_text(r["votes"].get(p)) for p in rep["panel"]],
                _outcome(r["decision"]["outcome"]),
                " > ".join(names.get(p, p).split()[-1] for p in r["speaking_order"]),
            ]
            for r in rep["runs"]
        ],
        head=2,
    )


def render_probe(rep: dict[str, Any], console: Console, names: dict[str, str]) -> None:
    """A probe study (`trust.probes` report): one row per variant (the swap, its votes
    where the terminal has room, its decision, what moved), then everything that moved."""
    s = rep["summary"]
    o = rep["original"]
    console.print(
        Text.assemble(
            (f"Counterfactual probes of {rep['packet']['key']}", "bold"),
            f" · engine {rep['engine']} · original decision ",
            _outcome(o["decision"]["outcome"]),
            f" ({rule_text(o['decision']['rule'])})",
        )
    )
    # narrow terminals drop the votes first: "moved" sums them up, the next table details them
    panel = [Col(names.get(p, p), drop=1) for p in rep["panel"]]
    rows = [
        [
            "original",
            "-",
            "-",
            *[vote_text(o["votes"].get(p)) for p in rep["panel"]],
            _outcome(o["decision"]["outcome"]),
            "",
        ]
    ]
    for v in rep["variants"]:
        moved = Text(f"{len(v['moved'])} change(s)", style="bold red") if v["moved"] else Text("nothing", style="green")
        rows.append(
            [
                v["attribute"],
                f"{v['from']} → {v['to']}",
                str(v["replacements"]),
                *[vote_text(v["votes"].get(p)) for p in rep["panel"]],
                _outcome(v["decision"]["outcome"]),
                moved,
            ]
        )
    cols = [
        Col("attribute"),
        Col("from → to", wrap=True),
        Col("places", "right", drop=2),
        *panel,
        Col("decision"),
        Col("moved"),
    ]
    print_table(console, "Variants (one attribute changed each)", cols, rows, head=2)
    moved = [(v, m) for v in rep["variants"] for m in v["moved"]]
    if moved:
        fmt = lambda x: ", ".join(x) if isinstance(x, list) else str(x)  # noqa: E731
        print_table(
            console,
            "Everything that moved against the original",
            [
                Col("variant", wrap=True),
                Col("persona"),
                Col("what", wrap=True),
                Col("before", wrap=True),
                Col("after", wrap=True),
            ],
            [
                [
                    f"{v['attribute']}: {v['to']}",
                    names.get(m["persona"], m["persona"] or "committee"),
                    m["what"],
                    fmt(m["before"]),
                    fmt(m["after"]),
                ]
                for v, m in moved
            ],
        )
    verdict = (
        "invariant: no vote, score, cited signal or decision moved"
        if s["invariant"]
        else f"{s['moved']} of {s['variants']} variants moved something; {s['decision_changed']} changed the decision"
    )
    console.print(Text(verdict, style="green" if s["invariant"] else "bold red"))
    for a, why in rep["skipped"].items():
        console.print(Text(f"skipped {a}: {why}", style="yellow"))
    if rep.get("note"):
        console.print(Text(rep["note"], style="italic"))


def render_stats(st: dict[str, Any], console: Console, names: dict[str, str]) -> None:
    """Conformity statistics (`trust.conformity.conformity_stats`): per persona and per
    protocol how often the debate changed votes and decisions, then the definitions."""
    if not st["runs"]:
        console.print("no finished runs stored yet: try `committee review examples/strong-safety-pm.md`")
        return
    f = st["flips"]
    console.print(
        Text.assemble(
            (f"Conformity over {st['runs']} finished runs", "bold"),
            "\n",
            f"debate changed the decision in {st['decision_changed']} run(s) ({_pct(st['decision_changed_rate'])}; "
            f"to hire {st['decision_changed_to']['hire']}, to no hire {st['decision_changed_to']['no_hire']})\n",
            f"changed votes: {f['changed']} · toward the sealed majority {f['toward']} · away {f['away']} · "
            f"no majority {f['no_majority']} · share toward {_pct(f['toward_rate'])} · crossed sides {f['crossed']}",
        )
    )
    keys = ("runs", "changed", "flip_rate", "crossed", "toward", "away", "no_majority")
    heads = ("runs", "changed", "flip rate", "crossed side", "toward", "away", "no majority")
    print_table(
        console,
        "Per persona: sealed (blind) vote vs final vote",
        [Col("persona"), *[Col(h, "right") for h in heads]],
        [
            [names.get(p, p), *[_pct(d[k]) if k == "flip_rate" else str(d[k]) for k in keys]]
            for p, d in st["personas"].items()
        ],
    )
    if st["by_protocol"]:
        print_table(
            console,
            "By protocol",
            [Col("protocol"), Col("runs"), Col("flip rate"), Col("decision changed")],
            [
                [p, str(d["runs"]), _pct(d["flip_rate"]), _pct(d["decision_changed_rate"])]
                for p, d in st["by_protocol"].items()
            ],
        )
    for k, v in st["definitions"].items():
        console.print(Text(f"{k}: {v}", style="dim"))


def render_calibration(rep: dict[str, Any], console: Console, names: dict[str, str]) -> None:
    """A calibration (`trust.calibrate` report): one row per packet (every check where
    the terminal has room, else the columns read first), the confusion matrix, per-signal
    precision/recall/F1, per-persona agreement, the split and injection checks."""
    s = rep["summary"]
    d = s["decision"]
    console.print(
        Text.assemble(
            (f"Calibration on {rep['folder']}", "bold"),
            f" · engine {rep['engine']} · {s['packets']} packets\n",
            f"decision agreement {d['correct']}/{d['labelled']} ({_pct(d['agreement'])}) on labelled packets",
        )
    )
    wide, narrow = [], []
    for r in rep["packets"]:
        ok = "-" if not r["split"] else ("yes" if r["blind_disagree"] else Text("no", style="red"))
        exp = (r["expected"] or ("split" if r["split"] else "-")).replace("_", " ")
        pred = _outcome(r["predicted"])
        if r["correct"] is False:
            pred.stylize("bold reverse")
        missing = Text(", ".join(r["missing_flags"]) or "-", style="red" if r["missing_flags"] else "dim")
        extra = ", ".join(r["extra_flags"]) or "-"
        integrity = f"{r['integrity']} flagged" + (" (expected)" if r["injection"] else "")
        wide.append([r["file"], exp, pred, rule_text(r["decision"]["rule"]), missing, extra, ok, integrity])
        narrow.append([r["file"], exp, pred, Text.assemble(missing, " · ", extra)])
    flags = dict(wrap=True)
    print_table(
        console,
        "Packets",
        [
            Col("file"),
            Col("expected", min_width=9),
            Col("predicted", min_width=9),
            Col("rule", wrap=True, drop=2),
            Col("missing must_flag", **flags),
            Col("extra red flags", **flags),
            Col("split ok", drop=1),
            Col("integrity", drop=1),
        ],
        wide,
        narrower=[
            (
                [
                    Col("file"),
                    Col("expected", min_width=9),
                    Col("predicted", min_width=9),
                    Col("missing must_flag · extra red flags", **flags),
                ],
                narrow,
            )
        ],
    )
    print_table(
        console,
        "Confusion matrix (rows expected, columns predicted)",
        [Col("expected \\ predicted"), Col("hire", "right"), Col("no hire", "right")],
        [
            [e.replace("_", " "), str(d["confusion"][e]["hire"]), str(d["confusion"][e]["no_hire"])]
            for e in ("hire", "no_hire")
        ],
    )
    m = s["signals_micro"]
    counts = lambda x: [str(x["tp"]), str(x["fp"]), str(x["fn"])]  # noqa: E731
    rates = lambda x: [_num(x["precision"]), _num(x["recall"]), _num(x["f1"])]  # noqa: E731
    print_table(
        console,
        "Red signals: precision / recall / F1 against must_flag labels",
        [
            Col("signal"),
            Col("support", "right", drop=2),
            *[Col(c, "right", drop=1) for c in ("tp", "fp", "fn")],
            *[Col(c, "right") for c in ("precision", "recall", "F1")],
        ],
        [
            *[[_signal_name(sid), str(x["support"]), *counts(x), *rates(x)] for sid, x in s["signals"].items()],
            [Text("micro total", style="bold"), "", *counts(m), *rates(m)],
        ],
    )
    console.print(Text(s["signals_basis"], style="dim"))
    print_table(
        console,
        "Per persona: vote side vs the expected decision (labelled packets)",
        [Col("persona"), Col("packets"), Col("final agrees"), Col("sealed agrees")],
        [
            [
                names.get(p, p),
                str(a["packets"]),
                f"{a['agree']} ({_pct(a['agreement'])})",
                f"{a['agree_sealed']} ({_pct(a['agreement_sealed'])})",
            ]
            for p, a in s["personas"].items()
        ],
    )
    sp, inj = s["split"], s["injection"]
    console.print(
        f"split packets whose blind reviews disagree: {sp['disagree']}/{sp['packets']} · "
        f"injection packets flagged: {inj['flagged']}/{inj['packets']} · "
        f"false integrity alarms: {inj['false_alarms']}/{inj['clean_packets']}"
    )
