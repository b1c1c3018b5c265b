"""Terminal rendering of one run with rich: the readable run report, the live progress
display and the replay steps. Pure presentation: takes models, prints, decides nothing."""

from __future__ import annotations

from rich.console import Console, Group
from rich.live import Live
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from committee.models import RunResult, Vote
from committee.present.terminal.tables import Col, fitted, print_table
from committee.present.views import NODE_TITLES, feedback_quote_label, feedback_view, readable_ids, readable_rule


def _dimension_titles() -> dict[str, str]:
    """Dimension id -> title from the catalog (`views.dimension_titles`); {} when it does not load."""
    from committee.errors import CommitteeError
    from committee.present.views import dimension_titles

    try:
        return dimension_titles()
    except CommitteeError:
        return {}


VOTE_STYLE = {"strong_hire": "bold green", "hire": "green", "no_hire": "red", "strong_no_hire": "bold red"}


def flat(text: str) -> str:
    """Collapse the packet's hard line breaks and runs of spaces for display (evidence
    itself stays verbatim in the JSON)."""
    return " ".join(text.split())


def indent(renderable, n: int = 2) -> Padding:
    """`renderable` `n` columns in, its wrapped lines too (a hanging indent)."""
    return Padding(renderable, (0, 0, 0, n), expand=False)


def titled_panel(body, title: str, subtitle: str, width: int) -> Group | Panel:
    """`body` in a panel with `title` and `subtitle` on its border; a title or subtitle
    too long for the border at `width` columns (rich would crop it) goes on its own
    lines instead, above or below the panel, wrapping between words."""
    room = width - 6  # the corners, the rule either side and a space each side
    top = title if len(title) <= room else None
    bottom = subtitle if len(subtitle) <= room else None
    panel = Panel(body, title=top, subtitle=bottom)
    above = [Text(title, style="bold")] if top is None else []
    below = [Text(subtitle, style="dim")] if bottom is None else []
    return Group(*above, panel, *below) if above or below else panel


def vote_text(vote: str | Vote | None) -> Text:
    if vote is None:
        return Text("-", style="dim")
    v = Vote(vote)
    return Text(v.label, style=VOTE_STYLE[v.value])


def render_result(
    result: RunResult, console: Console, names: dict[str, str] | None = None, dimensions: dict[str, str] | None = None
) -> None:
    """The readable report of one run: decision, votes (sealed -> final), the debrief
    transcript, and coaching feedback. Persona ids read as `names` (id -> name) and
    rubric dimension ids as `dimensions` (id -> title; default: the catalog's), in the
    decision's rule and explanation too (`views.readable_rule`, `views.readable_ids`);
    the feedback is split by `views.feedback_view`, as in the web app: dimensions
    still below 4, then the case prompts left open under their own heading."""
    names = names or {}
    dims = _dimension_titles() if dimensions is None else dimensions
    dim_title = lambda d: dims.get(d, d.replace("_", " "))  # noqa: E731
    name = lambda p: names.get(p, p)  # noqa: E731
    outcome = "HIRE" if result.decision.outcome == "hire" else "NO HIRE"
    style = "green" if result.decision.outcome == "hire" else "red"
    title = f"run {result.run_id} · packet {result.packet.key} rev {result.packet.revision} · {result.scenario}"
    subtitle = (
        f"engine {result.engine.name}{' / ' + result.engine.model if result.engine.model else ''} · "
        f"{result.protocol} · {result.timing.wall_s:.2f}s"
    )
    console.print(
        titled_panel(
            Text.assemble(
                (f"Decision: {outcome}", f"bold {style}"),
                f"  ({readable_rule(result.decision.rule, names, dims)})\n",
                readable_ids(result.decision.explanation, names, dims),
            ),
            title,
            subtitle,
            console.width,
        )
    )
    if result.integrity:
        console.print(
            Text(
                f"Integrity concern: {len(result.integrity)} passage(s) address the reviewers "
                "instead of the case; they were treated as data and count against the packet.",
                style="bold yellow",
            )
        )
        for e in result.integrity:
            console.print(indent(Text(f"“{e.quote[:160]}”", style="yellow")))
    voices = result.persona_engines if len({e.label() for e in result.persona_engines.values()}) > 1 else {}
    print_table(
        console,
        "Votes",
        [
            Col("persona"),
            Col("sealed (blind)"),
            Col("final"),
            Col("confidence", "right"),
            *([Col("voiced by", wrap=True)] if voices else []),
        ],
        [
            [
                name(r.persona),
                vote_text(r.vote),
                vote_text(result.votes[r.persona]),
                f"{r.confidence:.2f}",
                *([voices[r.persona].label() if r.persona in voices else ""] if voices else []),
            ]
            for r in result.reviews
        ],
    )
    for r in result.reviews:
        console.print(Text.assemble((name(r.persona), "bold"), ": ", flat(r.summary)))
    dim_ids = list(result.reviews[0].scores) if result.reviews else []
    print_table(
        console,
        "Rubric scores (1-4)",
        [Col("persona"), *[Col(dim_title(d), "center") for d in dim_ids]],
        [[name(r.persona), *[str(r.scores.get(d, "-")) for d in dim_ids]] for r in result.reviews],
    )
    console.print(Text("Debrief", style="bold underline"))
    for t in result.debrief:
        head = Text.assemble(
            (f"[round {t.round}] ", "dim"),
            (name(t.speaker), "bold"),
            f" {t.move}",
            (f" → {name(t.to)}" if t.to else ""),
            "  ",
            vote_text(t.vote),
        )
        console.print(head)
        console.print(indent(Text(flat(t.text))))
        if t.reason and t.previous_vote is not None and t.vote != t.previous_vote:
            console.print(
                indent(Text(f"vote changed from {t.previous_vote.label} to {t.vote.label}: {t.reason}", style="italic"))
            )
    view = feedback_view(result.feedback)
    if view.items:
        console.print(Text("\nFeedback for the next revision", style="bold underline"))
    else:
        console.print(
            Text("\nEvery rubric dimension is at its best or close to it: keep the packet's structure.", style="green")
        )
    for f in view.items:
        console.print(Text.assemble((f"• {dim_title(f.dimension)} ", "bold"), (f"(mean {f.score:.1f}/4)", "dim")))
        if f.quote:
            console.print(indent(Text(f"{feedback_quote_label(f).lower()}: “{flat(f.quote)}”", style="yellow")))
        console.print(indent(Text(f.advice)))
        if f.remove_flags:
            console.print(indent(Text(f"remove: {', '.join(f.remove_flags)}", style="red")))
    for f in view.prompts:
        console.print(Text("\nCase prompts the committee may still ask", style="bold underline"))
        console.print(indent(Text(f.advice)))


class ProgressBoard:
    """Live per-persona progress on stderr: who is reviewing, who spoke in which round.
    Use as a context manager and pass `update` as the runner's progress callback. It
    draws from the run's first event on, so an error found before the run starts
    (a bad option, a missing key) stays the only line on stderr."""

    def __init__(self, console: Console, names: dict[str, str] | None = None):
        self.console = console
        self.names = names or {}
        self.rows: dict[str, list[str]] = {}
        self.title = ""
        self.live = Live(self._table(), console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> ProgressBoard:
        return self

    def __exit__(self, *exc) -> None:
        if not self.live.is_started:
            return
        self.live.__exit__(*exc)
        if not self.live.console.is_terminal:
            self.live.console.line()  # what follows (an error, the report) starts on a line of its own

    def _table(self):
        """The board as the first table layout that fits the console (`tables.fitted`)."""
        return fitted(
            self.console,
            self.title or "committee",
            [Col("persona"), Col("status", wrap=True), Col("vote")],
            [
                [self.names.get(p, p), status, vote_text(vote) if vote else ""]
                for p, (status, vote) in self.rows.items()
            ],
        )

    def update(self, event: str, data: dict) -> None:
        if event == "start":
            self.title = f"run {data['run_id']} · {data['packet']} rev {data['revision']}"
            self.rows = {p: ["reviewing blind…", None] for p in data["personas"]}
        elif event == "review":
            self.rows[data["persona"]] = ["sealed vote", data["vote"]]
        elif event == "turn":
            to = f" → {self.names.get(data['to'], data['to'])}" if data.get("to") else ""
            self.rows[data["speaker"]] = [f"round {data['round']}: {data['move']}{to}", data["vote"]]
        elif event == "decision":
            self.title += f" · {data['outcome'].replace('_', ' ')}"
        if not self.live.is_started:
            self.live.start()
        self.live.update(self._table())


def render_steps(
    steps: list, console: Console, names: dict[str, str] | None = None, voices: dict[str, str] | None = None, row=None
) -> None:
    """The replay of a run, one stored checkpoint after another (numbered from 1).
    `row` (the run's `store.RunRow`) heads it with the run and packet and, for a run
    that did not finish, ends it with why and how to continue it; `voices` (persona id
    -> "engine / model") follows the header (one line when everyone shares an engine)."""
    names = names or {}
    if row is not None:
        rounds = f"up to {row.rounds} round{'s' if row.rounds != 1 else ''}"
        console.print(
            Text.assemble(
                (f"run {row.run_id}", "bold"),
                f" · {row.packet_key} rev {row.revision} · {row.scenario} · {row.protocol}, {rounds} · {row.shown_status}",
            )
        )
    if voices and len(set(voices.values())) == 1:
        console.print(Text(f"voiced by {next(iter(voices.values()))} (every persona)", style="dim"))
    elif voices:
        console.print(Text("voiced by: " + "; ".join(f"{names.get(p, p)} {v}" for p, v in voices.items()), style="dim"))
    for i, s in enumerate(steps, start=1):
        label = ", ".join(NODE_TITLES.get(n, n) for n in s.node.split(","))
        console.print(
            Text.assemble(
                (f"step {i:>2} ", "dim"),
                (label, "bold cyan"),
                (f"  round {s.round}" if s.round and s.new_turns else "", "dim"),
            )
        )
        for q in s.questions or []:
            console.print(
                Text.assemble("  ", (f"{q['id']} {names.get(q['persona'], q['persona'])}", "bold"), " asks: ")
            )
            console.print(indent(Text(flat(q["text"])), 4))
        for qid, answer in (s.answers or {}).items():
            console.print(indent(Text.assemble((f"answer to {qid}: ", "bold"), flat(answer) or "(no answer)")))
        for r in s.new_reviews:
            console.print(
                indent(
                    Text.assemble(
                        (names.get(r["persona"], r["persona"]), "bold"),
                        " sealed ",
                        vote_text(r["vote"]),
                        f": {flat(r['summary'])}",
                    )
                )
            )
        for t in s.new_turns:
            to = f" → {names.get(t['to'], t['to'])}" if t.get("to") else ""
            console.print(
                Text.assemble(
                    "  ", (names.get(t["speaker"], t["speaker"]), "bold"), f" {t['move']}{to} ", vote_text(t["vote"])
                )
            )
            console.print(indent(Text(flat(t["text"])), 4))
        if s.decision and s.node.startswith("decide"):
            console.print(
                Text(
                    f"  decision: {s.decision['outcome'].replace('_', ' ')} "
                    f"({readable_rule(s.decision['rule'], names, _dimension_titles())})",
                    style="bold",
                )
            )
    if row is not None and row.status == "awaiting_answers":
        console.print(
            Text(f"the run waits for answers to its questions: `committee answer {row.run_id}`", style="bold yellow")
        )
    elif row is not None and row.status != "done":
        why = f": {' '.join(row.error.split())}" if row.error else ""
        state = {"running": "is still running", "stopped": "was stopped (its process is gone)"}.get(
            row.shown_status, "stopped"
        )
        console.print(
            Text(f"the run {state}{why}; continue it with `committee resume {row.run_id}`", style="bold yellow")
        )


def render_questions(awaiting, console: Console, names: dict[str, str] | None = None) -> None:
    """The questions of a run waiting for answers (`models.AwaitingAnswers`), each with
    who asks it, then how to answer."""
    names = names or {}
    p = awaiting.packet
    console.print(
        Text.assemble((f"run {awaiting.run_id}", "bold"), f" · {p.key} rev {p.revision} · waiting for your answers")
    )
    for q in awaiting.questions:
        console.print(Text.assemble((f"\n{q.id} ", "bold"), (names.get(q.persona, q.persona), "cyan"), " asks:"))
        console.print(Text(q.text))
    console.print(Text("\nAnswer in the terminal:"))
    console.print(indent(Text(f"committee answer {awaiting.run_id}", style="bold")))
    console.print(Text("or from a file (q1: ..., one entry per question):"))
    console.print(indent(Text(f"committee answer {awaiting.run_id} --answers FILE.yaml", style="bold")))
