"""What every command group of the CLI shares: the two consoles, the shared options
(database, JSON, engine), opening the store, persona display names and JSON Lines."""

from __future__ import annotations

import json
import os
import sys

import typer
from rich.console import Console

from committee.errors import CommitteeError


def reader_left() -> None:
    """The reader stopped reading (`committee runs | head`): nothing went wrong here, so
    exit 0, with stdout on devnull so the interpreter's final flush cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
    sys.exit(0)


class _Out(Console):
    """Standard output; a closed pipe ends the command with exit 0 (rich's default is 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        reader_left()


out = _Out()
err = Console(stderr=True)

DbOpt = typer.Option(
    None,
    "--db",
    help="Database: a SQLite file, or a postgresql:// URL a team shares. Default: $COMMITTEE_DB, else a file in the per-user data directory.",
    envvar="COMMITTEE_DB",
    show_envvar=False,
)
JsonOpt = typer.Option(False, "--json", help="Print JSON Lines (one compact object per line) instead of a report.")
WholeJsonOpt = typer.Option(False, "--json", help="Print the whole result as one JSON object.")


def open_store(db: str | None, *, create: bool = True):
    """The database; `create=False` for commands that only read (they never create
    a file, and say so when there is none)."""
    from committee.store.runs import Store

    return Store(db, create=create)


def persona_names() -> dict[str, str]:
    """Persona id -> display name (the name before its first comma); {} when the
    catalog does not load."""
    from committee.catalog import default_catalog

    try:
        return {p.id: p.name.split(",")[0] for p in default_catalog().personas.values()}
    except CommitteeError:
        return {}


def emit_json(obj) -> None:
    """One compact JSON line on stdout: a pydantic model as its JSON, anything else
    through `json.dumps` (unknown types as `str`)."""
    text = (
        obj.model_dump_json()
        if hasattr(obj, "model_dump_json")
        else json.dumps(obj, separators=(",", ":"), default=str)
    )
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _engines_help() -> str:
    from committee.engines import ENGINES

    return "Engine: " + "; ".join(f"{n} ({spec.summary}; needs {spec.needs})" for n, spec in ENGINES.items()) + "."


# Engine options, shared by `review` and `resume` (the studies take `--engine` and `--model` only). Each engine takes the
# ones its options model declares (see `committee.engines`); a mixed panel passes each
# engine the ones it takes, and an option no engine on the panel takes is an error.
EngineOpt = typer.Option("offline", "--engine", "-e", help=_engines_help())
ModelOpt = typer.Option(
    None,
    "--model",
    "-m",
    help="Model id for the run's LLM engine (a persona's own `model:` still wins for that persona).",
)
TimeoutOpt = typer.Option(None, "--timeout", help="LLM engines: seconds per API request (default 120).")
RetriesOpt = typer.Option(None, "--max-retries", help="LLM engines: SDK retries for 429/5xx/529/timeouts (default 4).")
ConcurrencyOpt = typer.Option(
    None, "--concurrency", help="LLM engines: most simultaneous API requests per engine (default 4)."
)
MaxTokensOpt = typer.Option(
    None,
    "--max-tokens",
    help="LLM engines: most output tokens per reply, 256-64000 (default 16000; a cut-off reply gets one repair request).",
)
OutputModeOpt = typer.Option(
    None,
    "--output-mode",
    help="LLM engines: how replies are constrained: native (JSON schema), tool (forced tool call), text (JSON in text, validated), or auto (default: native, moving on when the server rejects it).",
)
PersonaEngineOpt = typer.Option(
    None,
    "--persona-engine",
    help="PERSONA=ENGINE, repeatable: voice this persona with another engine (a mixed panel).",
    show_default=False,
)
PersonaModelOpt = typer.Option(
    None, "--persona-model", help="PERSONA=MODEL, repeatable: the model that voices this persona.", show_default=False
)


def engine_options(
    model=None, timeout=None, max_retries=None, concurrency=None, output_mode=None, max_tokens=None
) -> dict:
    """The given engine options (stored with the run for `resume`: never a secret)."""
    given = {
        "model": model,
        "timeout": timeout,
        "max_retries": max_retries,
        "concurrency": concurrency,
        "output_mode": output_mode,
        "max_tokens": max_tokens,
    }
    return {k: v for k, v in given.items() if v is not None}
