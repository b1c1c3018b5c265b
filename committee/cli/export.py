"""`committee export`: one stored run as a self-contained debrief report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from committee.cli.common import DbOpt, err, open_store
from committee.errors import BadInput


def export(
    run_id: str = typer.Argument(
        ...,
        help="The run to export: its id, a unique prefix (4+ characters) or `latest` (see `committee runs`).",
        show_default=False,
    ),
    fmt: str = typer.Option("html", "--format", "-f", help="md, html (one self-contained file) or json."),
    out_file: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
    db: str | None = DbOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json, printed as one compact line."),
):
    """Export a run as a self-contained debrief report (md, html or json).

    For the candidate or a coach: decision and rule, votes (sealed -> final), integrity concerns, blind reviews, the
    debrief transcript and feedback with quotes. HTML is escaped and readable offline.

    Example: committee export 3f2a9c1b7d4e --format html --out debrief.html
    """
    from committee.present.export import FORMATS, export_run

    fmt = "json" if as_json else fmt.lower()
    if fmt not in FORMATS:
        raise BadInput(f"unknown --format {fmt!r} (choose {', '.join(FORMATS)})")
    if out_file is not None and out_file.is_dir():
        raise BadInput(f"{out_file}: is a directory; give a file name")
    with open_store(db, create=False) as store:
        text = export_run(store, store.resolve_run_id(run_id), fmt)
    if as_json:
        text = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False) + "\n"
    if out_file is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{out_file}: cannot write ({exc.strerror})") from exc
    err.print(f"wrote {out_file} ({fmt}, {len(text.encode('utf-8'))} bytes)", highlight=False)
