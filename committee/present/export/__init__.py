"""Export: a self-contained debrief report of one stored run, for the candidate or a
coach, as Markdown, HTML or JSON.

The report holds the decision and the rule that produced it, the votes (sealed ->
final) with what the decision would have been without the debate, integrity
concerns, each persona's blind review with its quotes, the debrief transcript, the
feedback with quotes, and the packet text as reviewed.

Markdown and HTML are rendered from one view model (`view.Report`) by the Jinja2
templates in `templates/`. HTML is one file with inline CSS, no script and no remote
resource (a Content Security Policy forbids both), readable offline; autoescape is on,
so every piece of packet- or engine-derived text is escaped (spelled as `html.escape`
spells it). In Markdown that text is inert: one line each, raw HTML escaped, Markdown
syntax backslash-escaped, bare URLs as code (see `markdown._md`); the packet itself is
an indented code block. JSON is the stored run as data, with the same context.
"""

from __future__ import annotations

import html
import json
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from committee.errors import BadInput
from committee.models import RunResult
from committee.present.export.markdown import _code, _md, packet_lines
from committee.present.export.view import DISCLAIMER, gather, report_view

FORMATS = ("md", "html", "json")


def _escaped(value: Any) -> Markup:
    """Every value a template writes, escaped as `html.escape(quote=True)` does (the
    report's bytes as before: `&quot;`, `&#x27;`); markup the template built (a
    macro's output) is kept."""
    return value if hasattr(value, "__html__") else Markup(html.escape(str(value), quote=True))


@cache
def _template(fmt: str) -> jinja2.Template:
    """The report's template for "md" or "html" (autoescape on for HTML)."""
    is_html = fmt == "html"
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("committee.present.export", "templates"),
        autoescape=is_html,
        finalize=_escaped if is_html else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(md=_md, code=_code, packet_lines=packet_lines)
    return env.get_template(f"report.{fmt}.j2")


def export_run(store, run_id: str, fmt: str) -> str:
    """The report of stored run `run_id` in `fmt` (md | html | json). Raises BadInput
    for an unknown run, an unfinished run or an unknown format."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown --format {fmt!r} (choose {', '.join(FORMATS)})")
    ctx = gather(store, run_id)
    if fmt == "json":
        return to_json(ctx)
    return _template(fmt).render(r=report_view(ctx))


def to_json(ctx: dict[str, Any]) -> str:
    """The run as data (`committee-debrief/1`): persona names and titles, the stored run,
    its conformity, the scenario title, candidate and packet text (None when unknown);
    for a what-if fork also `fork`, `compare.RunComparison.as_json()` of parent -> fork."""
    r: RunResult = ctx["result"]
    obj = {
        "format": "committee-debrief/1",
        "disclaimer": DISCLAIMER,
        "personas": {p: {"name": ctx["names"].get(p, p), "title": ctx["titles"].get(p)} for p in r.personas},
        "run": r.model_dump(mode="json"),
        "conformity": ctx["conformity"],
        "scenario_title": ctx["scenario"].title if ctx["scenario"] else None,
        "candidate": ctx["packet"].candidate if ctx["packet"] else None,
        "packet_text": ctx["packet"].text if ctx["packet"] else None,
    }
    if ctx.get("fork") is not None:  # a what-if fork: the parent and the fork side by side
        obj["fork"] = ctx["fork"].as_json()
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
