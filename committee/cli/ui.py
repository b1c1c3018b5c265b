"""`committee ui`: the Streamlit web app on the CLI's database."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from committee.cli.common import DbOpt, err
from committee.errors import BadInput


def ui_script() -> Path:
    """The Streamlit app's entry script: `ui/app.py` beside the package in a checkout
    (or `committee/_builtin/ui/app.py` in an installed wheel)."""
    here = Path(__file__).resolve().parents[1]  # the committee package
    for candidate in (here.parent / "ui" / "app.py", here / "_builtin" / "ui" / "app.py"):
        if candidate.is_file():
            return candidate
    raise BadInput("the Streamlit app (ui/app.py) is not installed beside the package; run from a checkout")


def ui(
    port: int = typer.Option(8501, "--port", help="Port to serve the app on."),
    address: str = typer.Option(
        "127.0.0.1", "--address", help="Interface to listen on (0.0.0.0 to serve other machines)."
    ),
    db: str | None = DbOpt,
    max_bytes: str | None = typer.Option(
        None,
        "--max-bytes",
        help="Packet size limit for pasted text and uploads (e.g. 524288, 512k, 2m); PDF/DOCX files may be 8x larger. Default: $COMMITTEE_MAX_PACKET_BYTES, else 512k.",
    ),
):
    """Start the web app (Streamlit) on the same database as the CLI.

    Submit a packet and watch the debrief, replay stored runs, compare revisions.
    Stop it with Ctrl+C.

    Example: committee ui --port 8501   then open http://localhost:8501
    """
    import os
    import signal
    import subprocess

    from committee.store.db import display, is_url
    from committee.store.runs import default_db_path

    if not 1 <= port <= 65535:
        raise BadInput(f"--port must be between 1 and 65535, got {port}")
    script = ui_script()
    env = dict(os.environ)
    if max_bytes is not None:
        from committee.intake.packets import MAX_BYTES_ENV, parse_size

        env[MAX_BYTES_ENV] = str(parse_size(max_bytes, "--max-bytes"))
    target = db or default_db_path()
    env["COMMITTEE_DB"] = target if is_url(target) else str(Path(target).expanduser().resolve())
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
    host = "localhost" if address in ("127.0.0.1", "0.0.0.0", "::") else address
    err.print(
        f"committee UI on http://{host}:{port}  (database {display(env['COMMITTEE_DB'])}; Ctrl+C to stop)",
        highlight=False,
    )
    proc = subprocess.Popen(cmd, env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())  # stop Streamlit with us
    try:
        code = proc.wait()
    except KeyboardInterrupt:  # Ctrl+C reaches Streamlit too; let it shut down
        code = 0 if proc.wait() in (0, -signal.SIGINT) else proc.returncode
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code if code >= 0 else 0)
