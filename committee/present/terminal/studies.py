"""Terminal rendering of the trust studies with rich (pure presentation), and the
stderr progress bar of multi-run commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from committee.present.terminal.run import vote_text
from committee.trust.common import VOTES

NARROW = 120  # terminal columns under which wide tables drop to the columns read first


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _outcome(o: str | None) -> Text:
    if not o:
        return Text("-", style="dim")
    return Text(o.replace("_", " "), style="green" if o == "hire" else "red")


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
    s = rep["summary"]
    console.print(
        Text.assemble(
            (f"Stability of {rep['packet']['key']}", "bold"),
            f" · {s['runs']} runs · engine {rep['engine']} · seed {rep['seed']}\n",
            "modal decision ",
            _outcome(s["modal_decision"]),
            f" · agreement {_pct(s['agreement'])}",
            f" (hire {s['decisions']['hire']}, no hire {s['decisions']['no_hire']}) · rules: ",
            ", ".join(f"{k} ×{v}" for k, v in s["rules"].items()),
        )
    )
    t = Table(title="Final vote distribution per persona (sealed in brackets)")
    t.add_column("persona")
    for v in VOTES:
        t.add_column(vote_text(v), justify="right")
    t.add_column("modal")
    t.add_column("agreement", justify="right")
    for p, d in s["personas"].items():
        t.add_row(
            names.get(p, p),
            *[f"{d['final'][v]} ({d['sealed'][v]})" for v in VOTES],
            vote_text(d["modal"]),
            _pct(d["agreement"]),
        )
    console.print(t)
    rt = Table(title="Runs")
    for col in ("#", "run id", *[names.get(p, p) for p in rep["panel"]], "decision", "speaking order"):
        rt.add_column(col)
    for r in rep["runs"]:
        rt.add_row(
            str(r["index"] + 1),
            r["run_id"],
            *[vote_text(r["votes"].get(p)) for p in rep["panel"]],
            _outcome(r["decision"]["outcome"]),
            " > ".join(names.get(p, p).split()[-1] for p in r["speaking_order"]),
        )
    console.print(rt)


def render_probe(rep: dict[str, Any], console: Console, names: dict[str, str]) -> None:
    s = rep["summary"]
    o = rep["original"]
    console.print(
        Text.assemble(
            (f"Counterfactual probes of {rep['packet']['key']}", "bold"),
            f" · engine {rep['engine']} · original decision ",
            _outcome(o["decision"]["outcome"]),
            f" ({o['decision']['rule']})",
        )
    )
    t = Table(title="Variants (one attribute changed each)")
    for col in ("attribute", "from → to", "places", *[names.get(p, p) for p in rep["panel"]], "decision", "moved"):
        t.add_column(col, overflow="fold")
    t.add_row(
        "original",
        "-",
        "-",
        *[vote_text(o["votes"].get(p)) for p in rep["panel"]],
        _outcome(o["decision"]["outcome"]),
        "",
    )
    for v in rep["variants"]:
        moved = Text(f"{len(v['moved'])} change(s)", style="bold red") if v["moved"] else Text("nothing", style="green")
        t.add_row(
            v["attribute"],
            f"{v['from']} → {v['to']}",
            str(v["replacements"]),
            *[vote_text(v["votes"].get(p)) for p in rep["panel"]],
            _outcome(v["decision"]["outcome"]),
            moved,
        )
    console.print(t)
    moved = [(v, m) for v in rep["variants"] for m in v["moved"]]
    if moved:
        mt = Table(title="Everything that moved against the original")
        for col in ("variant", "persona", "what", "before", "after"):
            mt.add_column(col, overflow="fold")
        for v, m in moved:
            fmt = lambda x: ", ".join(x) if isinstance(x, list) else str(x)  # noqa: E731
            mt.add_row(
                f"{v['attribute']}: {v['to']}",
                names.get(m["persona"], m["persona"] or "committee"),
                m["what"],
                fmt(m["before"]),
                fmt(m["after"]),
            )
        console.print(mt)
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
    t = Table(title="Per persona: sealed (blind) vote vs final vote")
    for col in ("persona", "runs", "changed", "flip rate", "crossed side", "toward", "away", "no majority"):
        t.add_column(col, justify="right" if col != "persona" else "left")
    for p, d in st["personas"].items():
        t.add_row(
            names.get(p, p),
            str(d["runs"]),
            str(d["changed"]),
            _pct(d["flip_rate"]),
            str(d["crossed"]),
            str(d["toward"]),
            str(d["away"]),
            str(d["no_majority"]),
        )
    console.print(t)
    if st["by_protocol"]:
        pt = Table(title="By protocol")
        for col in ("protocol", "runs", "flip rate", "decision changed"):
            pt.add_column(col)
        for p, d in st["by_protocol"].items():
            pt.add_row(p, str(d["runs"]), _pct(d["flip_rate"]), _pct(d["decision_changed_rate"]))
        console.print(pt)
    for k, v in st["definitions"].items():
        console.print(Text(f"{k}: {v}", style="dim"))


def render_calibration(rep: dict[str, Any], console: Console, names: dict[str, str]) -> None:
    s = rep["summary"]
    d = s["decision"]
    console.print(
        Text.assemble(
            (f"Calibration on {rep['folder']}", "bold"),
            f" · engine {rep['engine']} · {s['packets']} packets\n",
            f"decision agreement {d['correct']}/{d['labelled']} ({_pct(d['agreement'])}) on labelled packets",
        )
    )
    # under NARROW columns the table keeps what a reader checks first (`--json` has all)
    wide = console.width >= NARROW
    cols = (
        ("file", "expected", "predicted", "rule", "missing must_flag", "extra red flags", "split ok", "integrity")
        if wide
        else ("file", "expected", "predicted", "missing must_flag · extra red flags")
    )
    pt = Table(title="Packets")
    for col in cols:
        short = col in ("expected", "predicted")
        pt.add_column(col, overflow="fold", no_wrap=short, min_width=9 if short else None)
    for r in rep["packets"]:
        ok = "-" if not r["split"] else ("yes" if r["blind_disagree"] else Text("no", style="red"))
        exp = r["expected"] or ("split" if r["split"] else "-")
        pred = _outcome(r["predicted"])
        if r["correct"] is False:
            pred.stylize("bold reverse")
        missing = Text(", ".join(r["missing_flags"]) or "-", style="red" if r["missing_flags"] else "dim")
        extra = ", ".join(r["extra_flags"]) or "-"
        if wide:
            pt.add_row(
                r["file"],
                exp.replace("_", " "),
                pred,
                r["decision"]["rule"],
                missing,
                extra,
                ok,
                f"{r['integrity']} flagged" + (" (expected)" if r["injection"] else ""),
            )
        else:
            pt.add_row(r["file"], exp.replace("_", " "), pred, Text.assemble(missing, " · ", extra))
    console.print(pt)
    ct = Table(title="Confusion matrix (rows expected, columns predicted)")
    ct.add_column("expected \\ predicted")
    ct.add_column("hire", justify="right")
    ct.add_column("no hire", justify="right")
    for e in ("hire", "no_hire"):
        ct.add_row(e.replace("_", " "), str(d["confusion"][e]["hire"]), str(d["confusion"][e]["no_hire"]))
    console.print(ct)
    st = Table(title="Red signals: precision / recall / F1 against must_flag labels")
    for col in ("signal", "support", "tp", "fp", "fn", "precision", "recall", "F1"):
        st.add_column(col, justify="right" if col != "signal" else "left")
    for sid, m in s["signals"].items():
        st.add_row(
            sid,
            str(m["support"]),
            str(m["tp"]),
            str(m["fp"]),
            str(m["fn"]),
            _num(m["precision"]),
            _num(m["recall"]),
            _num(m["f1"]),
        )
    m = s["signals_micro"]
    st.add_row(
        Text("micro total", style="bold"),
        "",
        str(m["tp"]),
        str(m["fp"]),
        str(m["fn"]),
        _num(m["precision"]),
        _num(m["recall"]),
        _num(m["f1"]),
    )
    console.print(st)
    console.print(Text(s["signals_basis"], style="dim"))
    at = Table(title="Per persona: vote side vs the expected decision (labelled packets)")
    for col in ("persona", "packets", "final agrees", "sealed agrees"):
        at.add_column(col)
    for p, a in s["personas"].items():
        at.add_row(
            names.get(p, p),
            str(a["packets"]),
            f"{a['agree']} ({_pct(a['agreement'])})",
            f"{a['agree_sealed']} ({_pct(a['agreement_sealed'])})",
        )
    console.print(at)
    sp, inj = s["split"], s["injection"]
    console.print(
        f"split packets whose blind reviews disagree: {sp['disagree']}/{sp['packets']} · "
        f"injection packets flagged: {inj['flagged']}/{inj['packets']} · "
        f"false integrity alarms: {inj['false_alarms']}/{inj['clean_packets']}"
    )
