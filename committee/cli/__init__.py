"""The `committee` command line (typer). Exit codes (design.md): 0 done; 2 bad input or
usage, one line on stderr, nothing written; 3 the engine failed after retries (the
run is stored and `committee resume RUN_ID` continues it).

The commands live by group (`run`, `fork`, `catalog`, `history`, `ui`, `studies`, `export`);
each parses its arguments, calls the work and hands the result to a renderer. This
module assembles them into `app`, in the order `committee --help` lists them, and
holds the entry point `main` with its exit-code mapping."""

from __future__ import annotations

import inspect
import logging
import sys

import typer

from committee.cli import catalog, export, fork, history, run, studies
from committee.cli import ui as ui_command
from committee.cli.common import err, reader_left
from committee.cli.ui import ui_script
from committee.errors import CommitteeError, redact

__all__ = ["app", "main", "ui_script"]


def _flags_without_type() -> None:
    """`--help`, `--json`, `--diff/--no-diff` listed without a `<bool>` type. Why: the rich
    help panel of typer >= 0.2x fills its type column from `TyperOption.display_type_rich`
    for every option, and that method (unlike typer's plain `get_help_record`, which checks
    `is_flag`) returns the annotation type for flags too, so each flag read "--help <bool>".
    A flag takes no value: its type column stays empty, as in click's own help. A typer
    without `TyperOption.display_type_rich` (older, click-rendered help) is left as it is."""
    try:
        from typer.core import TyperOption
    except ImportError:  # pragma: no cover - a typer without it
        return
    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "_flags_without_type", False):
        return

    def display_type_rich(self, ctx):
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return shown(self, ctx)

    display_type_rich._flags_without_type = True
    TyperOption.display_type_rich = display_type_rich


_flags_without_type()

app = typer.Typer(
    help=(
        "Practice with a fictional alignment-first hiring committee.\n\n"
        "Four personas (research lead, safety lead, VP Product, hiring manager) review your "
        "packet blind, argue in a debrief, vote, and committee rules turn the votes into a "
        "decision with coaching feedback. Runs are stored, so you can replay a debrief and "
        "compare revisions of a packet.\n\n"
        "Start with:  committee review examples/strong-safety-pm.md"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMANDS = (
    run.review,
    run.answer,
    run.resume,
    run.replay,
    fork.fork,
    history.runs,
    catalog.personas,
    catalog.scenarios,
    history.history,
    history.compare,
    ui_command.ui,
    studies.stability,
    studies.probe,
    history.stats,
    studies.calibrate,
    export.export,
)


def _unwrap(doc: str) -> str:
    """A docstring as help text: lines of a paragraph joined (this typer keeps single
    line breaks, which then break sentences mid-line at any terminal width), except
    lines that start a list item or an indented example, which stay on their own."""
    paragraphs = []
    for para in inspect.cleandoc(doc).split("\n\n"):
        lines = para.splitlines()
        joined = lines[:1]
        for line in lines[1:]:
            if line.startswith((" ", "-", "*")) or joined[-1].rstrip().endswith(":"):
                joined.append(line)
            else:
                joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
        paragraphs.append("\n".join(joined))
    return "\n\n".join(paragraphs)


for _command in COMMANDS:
    if _command.__doc__:
        _command.__doc__ = _unwrap(_command.__doc__)
    app.command()(_command)


def _usage_error_line(exc) -> str:
    """One line for a click usage error: the message and where to get help."""
    msg = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    return f"{msg}{where}"


class _QuietAfterFailure(logging.Filter):
    """Drop `concurrent.futures`' "exception calling callback" tracebacks that LangGraph's
    executor leaves when several parallel calls fail at once: the run's failure is
    already reported in one line (its error, or a late write after the executor shut
    down); any other callback error still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        late = isinstance(exc, RuntimeError) and "after shutdown" in str(exc)
        return not (
            record.getMessage().startswith("exception calling callback") and (late or isinstance(exc, CommitteeError))
        )


def main() -> None:
    """Console entry point. Exit codes: 0 done; 2 usage errors (click) and BadInput; 3
    EngineFailed; 130 interrupted. Every error is one line on stderr, no traceback.
    Ctrl+C follows `committee.launch.sigint_policy`."""
    from committee.launch import sigint_policy

    with sigint_policy():
        _main()


def _main() -> None:
    try:
        from typer._click import exceptions as click_exc  # typer vendors click
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions as click_exc
    from rich.markup import escape

    logging.getLogger("concurrent.futures").addFilter(_QuietAfterFailure())
    try:
        rv = app(standalone_mode=False)
    except CommitteeError as exc:
        err.print(f"[bold red]error:[/] {escape(' '.join(redact(str(exc)).split()))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except click_exc.NoArgsIsHelpError:
        sys.exit(0)  # the help was printed: `committee` alone teaches the commands
    except click_exc.ClickException as exc:
        err.print(f"[bold red]error:[/] {escape(_usage_error_line(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print(
            "interrupted: a started run is stored and can be continued with `committee resume RUN_ID`", soft_wrap=True
        )
        sys.exit(130)
    except BrokenPipeError:
        reader_left()
    sys.exit(rv if isinstance(rv, int) else 0)
