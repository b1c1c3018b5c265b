"""Mixed panels: each persona voiced by its own engine and model.

A persona's engine is, in order: `--persona-engine PERSONA=ENGINE`, the persona file's
`engine:`, the run's `--engine`. Its model: `--persona-model PERSONA=MODEL`, the file's
`model:` (when the file's `engine:` is unset or is the engine chosen), else that
engine's model (`--model` for the run's engine, the engine's default otherwise).
`build_panel` resolves all of this once, before anything is stored, and returns the
personas with `engine` and `model` filled in: they are stored with the run, so `resume`
rebuilds the same panel whatever the data files or defaults say later.
"""

from __future__ import annotations

from typing import Any

from committee.engines import engine_spec
from committee.engines.base import Engine
from committee.errors import BadInput
from committee.models import (
    Context,
    DebriefTurn,
    Decision,
    FeedbackItem,
    Persona,
    Question,
    Review,
    TurnRequest,
    Usage,
)


class PanelEngine(Engine):
    """Routes each persona's review, follow-up question and turns to its engine
    (`by_persona`: persona id -> Engine); feedback comes from the first engine. Deterministic only when every
    engine is."""

    name = "mixed"

    def __init__(self, by_persona: dict[str, Engine]):
        self.by_persona = by_persona
        self.engines = list({id(e): e for e in by_persona.values()}.values())
        self.deterministic = all(e.deterministic for e in self.engines)
        self.turns_read_round_limit = any(e.turns_read_round_limit for e in self.engines)
        self.model = None

    def review(self, ctx: Context, persona: Persona) -> tuple[Review, Usage]:
        return self.by_persona[persona.id].review(ctx, persona)

    def speak(self, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, Usage]:
        return self.by_persona[req.speaker].speak(ctx, req)

    def ask(self, ctx: Context, persona: Persona, review: Review) -> tuple[Question | None, Usage]:
        return self.by_persona[persona.id].ask(ctx, persona, review)

    def model_for(self, persona: Persona) -> str | None:
        return self.by_persona[persona.id].model_for(persona)

    def cancel(self) -> None:
        for e in self.engines:
            e.cancel()

    def warm(self, notify) -> None:
        for e in self.engines:
            e.warm(notify)

    def failed_usage(self) -> Usage:
        return sum((e.failed_usage() for e in self.engines), Usage())

    def feedback(
        self, ctx: Context, reviews: list[Review], debrief: list[DebriefTurn], decision: Decision
    ) -> tuple[list[FeedbackItem], Usage]:
        return self.engines[0].feedback(ctx, reviews, debrief, decision)


def parse_assignments(items: list[str] | None, flag: str, panel_ids: list[str]) -> dict[str, str]:
    """`["PERSONA=openai", ...]` -> {"PERSONA": "openai"}. Raises BadInput for a
    malformed item, a persona not on the panel, or a persona given twice."""
    out: dict[str, str] = {}
    for item in items or []:
        pid, sep, value = item.partition("=")
        pid, value = pid.strip(), value.strip()
        if not sep or not pid or not value:
            raise BadInput(f"{flag} takes PERSONA=VALUE, got {item!r}")
        if pid not in panel_ids:
            raise BadInput(f"{flag}: {pid!r} is not on the panel ({', '.join(panel_ids)})")
        if pid in out:
            raise BadInput(f"{flag}: {pid} is given twice")
        out[pid] = value
    return out


def check_options(
    default: str,
    options: dict[str, Any],
    panel: list[Persona],
    *,
    engines: dict[str, str] | None = None,
    models: dict[str, str] | None = None,
) -> dict[str, str]:
    """Check a panel's engines and options without building any engine (no key or
    server needed): persona id -> engine name. Raises BadInput as `build_panel` does,
    and for an option value out of range."""
    engines, models = engines or {}, models or {}
    chosen: dict[str, str] = {}
    for p in panel:
        chosen[p.id] = engines.get(p.id) or p.engine or default
        engine_spec(chosen[p.id])  # unknown names fail here, before any engine is built
    used = list(dict.fromkeys(chosen.values()))
    shared = {k: v for k, v in options.items() if v is not None and k != "model"}
    taken = set().union(*(engine_spec(n).option_names() for n in used))
    unused = sorted(k for k in shared if k not in taken)
    if options.get("model") and (default not in used or not engine_spec(default).takes("model")):
        unused.append("model")
    unmodelled = sorted(p for p in models if not engine_spec(chosen[p]).takes("model"))
    if unmodelled:
        raise BadInput(
            f"--persona-model: {', '.join(unmodelled)} is voiced by an engine that takes no model "
            f"({', '.join(chosen[p] for p in unmodelled)}); give it an LLM engine with --persona-engine"
        )
    if unused:
        who = ", ".join(used)
        raise BadInput(
            f"option {', '.join('--' + u.replace('_', '-') for u in unused)} is not taken by the "
            f"engine(s) voicing this panel ({who})"
        )
    for name in used:
        spec = engine_spec(name)
        spec.validated(**{k: v for k, v in options.items() if k in spec.option_names()})
    return chosen


def build_panel(
    default: str,
    options: dict[str, Any],
    panel: list[Persona],
    *,
    engines: dict[str, str] | None = None,
    models: dict[str, str] | None = None,
) -> tuple[Engine, list[Persona]]:
    """(engine for the run, personas with `engine` and `model` resolved). `options` are
    the run's engine options: `model` goes to the run's engine `default`, the rest to
    every engine that takes them. One engine for everyone is returned as itself, else a
    PanelEngine. Raises BadInput for an unknown engine, an option no engine on the panel
    takes, a `--persona-model` for a persona whose engine takes no model, or a missing key."""
    chosen = check_options(default, options, panel, engines=engines, models=models)
    models = models or {}
    used = list(dict.fromkeys(chosen.values()))
    shared = {k: v for k, v in options.items() if v is not None and k != "model"}
    built: dict[str, Engine] = {}
    for name in used:
        spec = engine_spec(name)
        opts = {k: v for k, v in shared.items() if k in spec.option_names()}
        if name == default and options.get("model"):
            opts["model"] = options["model"]
        built[name] = spec.build(**opts)
    resolved: list[Persona] = []
    for p in panel:
        name = chosen[p.id]
        own = p.model if p.engine in (None, name) else None
        persona = p.model_copy(update={"engine": name, "model": models.get(p.id) or own})
        resolved.append(persona.model_copy(update={"model": built[name].model_for(persona)}))
    if len(built) == 1:
        return next(iter(built.values())), resolved
    return PanelEngine({p.id: built[chosen[p.id]] for p in panel}), resolved
