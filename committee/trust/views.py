"""Data shaping for the trust pages of the web app: plain lists of dicts (one row per
chart mark or table row) built from study reports. No Streamlit; no I/O but `example_labels`, which reads the example files."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from committee.models import Vote
from committee.store.runs import STUDY_KEY_SUFFIXES
from committee.trust.common import VOTES


def candidate_keys(keys: list[str]) -> list[str]:
    """Stored packet keys a user would pick (not the keys of study variants)."""
    return [k for k in keys if not k.endswith(STUDY_KEY_SUFFIXES)]


def example_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.md")) if folder.is_dir() else []


def example_labels(folder: Path, files: list[str]) -> dict[str, str]:
    """File name -> what a picker shows for each example packet of `folder`: the
    candidate and the scenario's title ("Nadia Ferrante · Product Manager, Safety"), so
    people read a packet, not a file name; examples that would read the same are told
    apart by revision ("· revision 2" for a `-rev2` file name, else "· revision 1"). A file that does not read (or
    has no candidate) shows its packet key, else its file name."""
    from committee.catalog import default_catalog
    from committee.errors import CommitteeError
    from committee.intake.packets import read_packet

    try:
        scenarios = {sid: sc.title for sid, sc in default_catalog().scenarios.items()}
    except CommitteeError:
        scenarios = {}
    labels = {}
    for name in files:
        try:
            packet = read_packet(folder / name)
        except CommitteeError:
            labels[name] = name
            continue
        who = packet.candidate or packet.key
        where = scenarios.get(packet.scenario or "")
        labels[name] = f"{who} · {where}" if where else who
    counts = Counter(labels.values())

    def revision(name: str) -> str:  # "weak-growth-pm-rev2.md" -> "revision 2"; without "-revN", revision 1
        m = re.search(r"-rev(\d+)$", Path(name).stem)
        return f"revision {m.group(1) if m else 1}"

    return {name: f"{label} · {revision(name)}" if counts[label] > 1 else label for name, label in labels.items()}


def study_label(study: dict[str, Any]) -> str:
    import datetime as dt

    s = study["summary"]
    when = dt.datetime.fromtimestamp(study["created_at"]).strftime("%Y-%m-%d %H:%M")
    what = study.get("packet_key") or s.get("folder", "")
    if study["kind"] == "stability":
        tail = f"{s['summary']['runs']} runs · agreement {100 * (s['summary']['agreement'] or 0):.0f}%"
    elif study["kind"] == "probe":
        tail = f"{s['summary']['variants']} variants · {s['summary']['moved']} moved"
    else:
        d = s["summary"]["decision"]
        tail = f"agreement {d['correct']}/{d['labelled']}"
    return f"{when} · {what} · {study['engine']} · {tail} · {study['study_id']}"


def stability_rows(report: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per persona x vote x (sealed | final) with the count of runs."""
    rows = []
    for p, d in report["summary"]["personas"].items():
        for kind in ("sealed", "final"):
            for v in VOTES:
                rows.append(
                    {
                        "persona": names.get(p, p),
                        "kind": kind,
                        "vote": v,
                        "vote_label": Vote(v).label,
                        "rank": VOTES.index(v),
                        "count": d[kind][v],
                    }
                )
    return rows


def stability_runs_table(
    report: dict[str, Any], names: dict[str, str], dimensions: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One row per run of a stability study, for reading: "#", the final vote of each
    persona (by name), "decision", "rule" in words (`present.views.readable_rule`, with
    persona `names` and dimension titles from `dimensions`), "speaking order" (surnames,
    so the table fits a laptop screen), "first section" and the "run" id last."""
    from committee.present.views import readable_rule

    short = lambda p: names.get(p, p).split()[-1]  # noqa: E731
    out = []
    for r in report["runs"]:
        row = {"#": r["index"] + 1}
        row.update({names.get(p, p): Vote(r["votes"][p]).label for p in report["panel"] if p in r["votes"]})
        row["decision"] = r["decision"]["outcome"].replace("_", " ")
        row["rule"] = readable_rule(r["decision"]["rule"], names, dimensions)
        row["speaking order"] = " › ".join(short(p) for p in r["speaking_order"])
        row["first section"] = r["section_order"][0] if r["section_order"] else ""
        row["run"] = r["run_id"]
        out.append(row)
    return out


def probe_table(report: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per variant (the original first): the four final votes, decision, moves."""
    out = []
    o = report["original"]
    base = {
        "attribute": "original",
        "from → to": "",
        **{names.get(p, p): Vote(v).label for p, v in o["votes"].items()},
        "decision": o["decision"]["outcome"].replace("_", " "),
        "moves": 0,
    }
    out.append(base)
    for v in report["variants"]:
        out.append(
            {
                "attribute": v["attribute"],
                "from → to": f"{v['from']} → {v['to']}",
                **{names.get(p, p): Vote(x).label for p, x in v["votes"].items()},
                "decision": v["decision"]["outcome"].replace("_", " "),
                "moves": len(v["moved"]),
            }
        )
    return out


def probe_moves(report: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    fmt = lambda x: ", ".join(x) if isinstance(x, list) else ("" if x is None else str(x))  # noqa: E731
    return [
        {
            "variant": f"{v['attribute']}: {v['to']}",
            "persona": names.get(m["persona"], m["persona"] or "committee"),
            "what": m["what"],
            "before": fmt(m["before"]),
            "after": fmt(m["after"]),
        }
        for v in report["variants"]
        for m in v["moved"]
    ]


def conformity_rows(stats: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Per persona: flip rate (any change) and cross rate (changed side), long form."""
    rows = []
    for p, d in stats["personas"].items():
        rows.append(
            {
                "persona": names.get(p, p),
                "measure": "changed vote",
                "rate": d["flip_rate"] or 0.0,
                "count": d["changed"],
                "runs": d["runs"],
            }
        )
        rows.append(
            {
                "persona": names.get(p, p),
                "measure": "crossed side",
                "rate": d["cross_rate"] or 0.0,
                "count": d["crossed"],
                "runs": d["runs"],
            }
        )
    return rows


def direction_rows(stats: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for p, d in stats["personas"].items():
        for k, label in (
            ("toward", "toward sealed majority"),
            ("away", "away from it"),
            ("no_majority", "no majority"),
        ):
            if d[k]:
                rows.append({"persona": names.get(p, p), "direction": label, "count": d[k]})
    return rows


def confusion_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    c = report["summary"]["decision"]["confusion"]
    return [
        {"expected": e.replace("_", " "), "predicted": p.replace("_", " "), "count": c[e][p]}
        for e in ("hire", "no_hire")
        for p in ("hire", "no_hire")
    ]


def signal_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for sid, m in report["summary"]["signals"].items():
        for k in ("precision", "recall", "f1"):
            rows.append(
                {
                    "signal": sid,
                    "metric": "F1" if k == "f1" else k,
                    "value": m[k],
                    "support": m["support"],
                    "tp": m["tp"],
                    "fp": m["fp"],
                    "fn": m["fn"],
                }
            )
    return rows


def persona_agreement_rows(report: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for p, a in report["summary"]["personas"].items():
        rows.append({"persona": names.get(p, p), "vote": "final", "agreement": a["agreement"] or 0.0})
        rows.append({"persona": names.get(p, p), "vote": "sealed", "agreement": a["agreement_sealed"] or 0.0})
    return rows


def calibration_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "file": r["file"],
            "expected": (r["expected"] or ("split" if r["split"] else "-")).replace("_", " "),
            "predicted": r["predicted"].replace("_", " "),
            "rule": r["decision"]["rule"],
            "correct": "" if r["correct"] is None else ("yes" if r["correct"] else "NO"),
            "missing must_flag": ", ".join(r["missing_flags"]),
            "extra red flags": ", ".join(r["extra_flags"]),
            "blind reviews disagree": "yes" if r["blind_disagree"] else "no",
            "integrity concerns": r["integrity"],
            "run": r["run_id"],
        }
        for r in report["packets"]
    ]


def probe_plan(packet, swaps: list[str]) -> tuple[bool, dict[str, str]]:
    """Whether a probe of `packet` over `swaps` has anything to vary (no run is made):
    (ready, skipped reasons per attribute), as `run_probe` would find them."""
    from committee.errors import CommitteeError
    from committee.trust.probes import build_variants

    try:
        variants, skipped = build_variants(packet, swaps, per_swap=1)
    except CommitteeError as exc:
        return False, {"probe": str(exc)}
    return bool(variants), skipped


def probe_default(folder: Path, files: list[str], swaps: list[str]) -> int:
    """The index in `files` of the first example a probe can vary (0 when none can)."""
    from committee.errors import CommitteeError
    from committee.intake.packets import read_packet

    for i, name in enumerate(files):
        try:
            if probe_plan(read_packet(folder / name), swaps)[0]:
                return i
        except CommitteeError:
            continue
    return 0
