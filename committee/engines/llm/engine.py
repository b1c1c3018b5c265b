"""`LLMEngine`: the provider-neutral core every model-voiced engine shares.

One engine call = one request (plus at most one repair request). The calls are a blind
`review`, a debrief turn (`speak`) and a follow-up question (`ask`, when the run asks:
at most one, in the persona's own words, or none), each with its reply kind
(`schemas.KINDS`). This module owns:
- the prompts (`prompts`) and the pinned reply schemas with their validation (`schemas`);
- the **output mode**, how the reply is constrained: `native` (the API's JSON-schema
  output), `tool` (one forced tool call whose input schema is the reply schema) or
  `text` (JSON asked for in the prompt and validated by pydantic). `auto` starts at
  `native` and moves to the next mode when the server answers 400 naming the mode's
  parameter; the choice is kept for the rest of the engine's life;
- the **repair request**: an invalid reply, or one cut off at `max_tokens`, gets one
  follow-up that carries the reason; a second failure is EngineFailed naming the
  persona and the reason. A refusal or an exceeded context window fails at once;
- the **concurrency limit** (a semaphore over simultaneous requests);
- **usage and cost**: tokens per call, cost from the adapter's `pricing.yaml`, dropped
  quotes; calls that end in EngineFailed still cost tokens, so they are kept apart
  (`failed_usage()`) for the run record.

An adapter (`committee.engines.anthropic`, `committee.engines.openai`) supplies only
`_build_client` and `_send`: lay a `Prompt` out in its API's terms, send it through
the official SDK, and return a `Sent` (text, normalised stop reason, token counts).
Retries of 429/5xx/timeouts are the SDKs'; the graph adds none.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from committee.engines.base import Engine
from committee.engines.llm.options import LLMOptions
from committee.errors import BadInput, CommitteeError, EngineFailed, Interrupted
from committee.models import Context, DebriefTurn, Persona, Question, Review, TurnRequest, Usage

from .pricing import cost_usd, price_table
from .prompts import Prompt, question_prompt, review_prompt, turn_prompt
from .schemas import InvalidReply, parse_reply, question_from, review_from, turn_from

log = logging.getLogger("committee.engines.llm")

MODES = ("native", "tool", "text")
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 4
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_TOKENS = 16_000  # room for thinking; under the SDKs' non-streaming limits
STOPS_THAT_FAIL = {
    "refusal": "the model refused",
    "context": "the prompt and reply exceeded the model's context window",
}
CUT_OFF = "the reply was cut off by max_tokens"
EMPTY = "the server sent an empty reply (no choices)"

T = TypeVar("T")


@dataclass(frozen=True)
class Sent:
    """What an adapter got back: the reply `text` (a tool call's arguments as JSON text),
    `stop` normalised to `end`, `max_tokens`, `refusal`, `context` or `empty` (the
    server sent no reply at all; repaired once like a cut-off), and `tokens`
    (input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens)."""

    text: str
    stop: str
    tokens: dict[str, int] = field(default_factory=dict)


class ModeRejected(Exception):
    """A 400 from the server that names the output mode's parameter."""


class LLMEngine(Engine):
    """Base of the model-voiced engines. Subclasses set `name`, `default_model`,
    `prices` (their pricing.yaml), `mode_words` (what a 400 names when a mode is not
    supported) and implement `_build_client` and `_send`. Raises BadInput at
    construction for a missing key or a broken price table."""

    deterministic = False
    default_model: ClassVar[str] = ""
    prices: ClassVar[Path]
    mode_words: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, options: LLMOptions | None = None, **kwargs: Any):
        opts = options or LLMOptions(**kwargs)
        self.model = opts.model or self.default_model
        self.max_tokens = opts.max_tokens or DEFAULT_MAX_TOKENS
        self.concurrency = opts.concurrency or DEFAULT_CONCURRENCY
        self.auto_mode = opts.output_mode in (None, "auto")
        self.mode = MODES[0] if self.auto_mode else opts.output_mode
        try:
            price_table(self.prices)
        except Exception as exc:  # a broken data file is bad input, found before any work
            raise BadInput(
                f"{self.prices.name} of the {self.name} engine is invalid: {exc.__class__.__name__}"
            ) from exc
        self.timeout = DEFAULT_TIMEOUT_S if opts.timeout is None else opts.timeout
        self.max_retries = DEFAULT_MAX_RETRIES if opts.max_retries is None else opts.max_retries
        self.client = self._build_client(self.timeout, self.max_retries, opts.http_client)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self._unpriced: set[str] = set()
        self._failed = Usage()
        self._cancelled = threading.Event()

    # ------------------------------------------------------------- adapter hooks
    def _build_client(self, timeout: float, max_retries: int, http_client: Any) -> Any:
        """The SDK client (thread-safe, one per engine). Raises BadInput when a key or
        server address it needs is missing."""
        raise NotImplementedError

    def _send(self, model: str, prompt: Prompt, turns: list[tuple[str, str]], mode: str, what: str) -> Sent:
        """One request: system text from `prompt`, then `turns` ((role, text), the task
        first), with the reply constrained by `mode`. Raises ModeRejected for a 400 that
        names the mode, EngineFailed for any other failure after the SDK's retries."""
        raise NotImplementedError

    # ------------------------------------------------------------- interface
    def review(self, ctx: Context, persona: Persona) -> tuple[Review, Usage]:
        return self._call(
            persona,
            f"review by {persona.id}",
            review_prompt(ctx, persona),
            lambda out: review_from(out, ctx, persona.id),
        )

    def speak(self, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, Usage]:
        persona = ctx.panel[req.speaker]
        return self._call(
            persona,
            f"round {req.round} turn by {req.speaker}",
            turn_prompt(ctx, req),
            lambda out: turn_from(out, ctx, req),
        )

    def ask(self, ctx: Context, persona: Persona, review: Review) -> tuple[Question | None, Usage]:
        """`persona`'s follow-up question after its blind `review`, in its own words, or
        None when the model answers `ask: false` (`schemas.question_from`)."""
        return self._call(
            persona,
            f"question by {persona.id}",
            question_prompt(ctx, persona, review),
            lambda out: question_from(out, ctx, persona.id),
        )

    def model_for(self, persona: Persona) -> str:
        """The model that voices `persona`: its own `model:`, else the engine's."""
        return persona.model or self.model

    def cancel(self) -> None:
        """After an interrupt: calls in flight raise Interrupted at once (their HTTP
        requests are abandoned, their replies never used) and new calls are refused."""
        self._cancelled.set()

    def failed_usage(self) -> Usage:
        """Usage of calls that failed for good since the last call of this method
        (their tokens were paid for): `calls` counts their requests (a repair request
        included), `failed_calls` the engine calls; resets the tally."""
        with self._lock:
            spent, self._failed = self._failed, Usage()
        return spent

    # ------------------------------------------------------------- plumbing
    def _call(
        self, persona: Persona, what: str, prompt: Prompt, convert: Callable[[Any], tuple[T, int]]
    ) -> tuple[T, Usage]:
        model = self.model_for(persona)
        usage = Usage()
        turns = [("user", prompt.task)]
        try:
            for attempt in (1, 2):
                sent = self._request(model, prompt, turns, what)
                usage = usage + self._usage(model, sent.tokens)
                if sent.stop in STOPS_THAT_FAIL:
                    raise EngineFailed(f"{what}: {STOPS_THAT_FAIL[sent.stop]} (model {model})")
                try:
                    if sent.stop == "max_tokens":
                        raise InvalidReply(f"{CUT_OFF} ({self.max_tokens}); keep every field short")
                    if sent.stop == "empty":
                        raise InvalidReply(EMPTY)
                    value, dropped = convert(parse_reply(sent.text, prompt.kind))
                except InvalidReply as exc:
                    if attempt == 2:
                        raise EngineFailed(
                            f"{what}: invalid structured output after one repair request: {exc}"
                        ) from exc
                    log.info("%s: invalid reply, sending one repair request: %s", what, exc)
                    turns = [
                        *turns,
                        ("assistant", sent.text.strip() or "(no text)"),
                        ("user", _repair(exc, prompt.kind)),
                    ]
                    continue
                return value, usage.model_copy(update={"dropped_quotes": usage.dropped_quotes + dropped})
        except Exception as exc:  # whatever ends the call, the replies it got were paid for
            failed = 0 if isinstance(exc, Interrupted) else 1  # an interrupted call is not a failure: resume makes it
            with self._lock:
                self._failed = self._failed + usage.model_copy(update={"failed_calls": failed})
            if isinstance(exc, CommitteeError):
                raise
            raise EngineFailed(f"{what}: {exc.__class__.__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    def _request(self, model: str, prompt: Prompt, turns: list[tuple[str, str]], what: str) -> Sent:
        """One request under the concurrency limit, moving to the next output mode when
        the server rejects the current one and the mode is `auto`."""
        with self._slots:
            while True:
                mode = self.mode
                try:
                    return self._cancellable(model, prompt, turns, mode, what)
                except ModeRejected as exc:
                    following = MODES[MODES.index(mode) + 1 :] if self.auto_mode else ()
                    if not following:
                        raise EngineFailed(
                            f"{what}: the server rejected output mode {mode!r} ({exc}); "
                            f"choose another with --output-mode native, tool or text"
                        ) from None
                    with self._lock:
                        if self.mode == mode:
                            self.mode = following[0]
                            log.warning(
                                "%s: the server rejected output mode %s; using %s from now on",
                                self.name,
                                mode,
                                self.mode,
                            )

    def _cancellable(self, model: str, prompt: Prompt, turns: list[tuple[str, str]], mode: str, what: str) -> Sent:
        """`_send` in a thread of its own, so that `cancel()` ends the wait at once."""
        if self._cancelled.is_set():
            raise Interrupted(f"{what}: cancelled by an interrupt")
        box: dict[str, Any] = {}
        done = threading.Event()

        def go() -> None:
            try:
                box["sent"] = self._send(model, prompt, turns, mode, what)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=go, name=f"llm-{what}", daemon=True).start()
        while not done.wait(0.05):
            if self._cancelled.is_set():
                raise Interrupted(f"{what}: cancelled by an interrupt")
        if "error" in box:
            raise box["error"]
        return box["sent"]

    def rejects_mode(self, mode: str, status: int, message: str) -> bool:
        """Whether an HTTP error means the server does not support `mode` (a 400, or a
        422 from some local servers, whose message names the mode's parameter)."""
        text = message.lower()
        return status in (400, 422) and any(w in text for w in self.mode_words.get(mode, ()))

    def _usage(self, model: str, tokens: dict[str, int]) -> Usage:
        counts = {
            k: int(tokens.get(k) or 0)
            for k in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        }
        cost = cost_usd(model, **counts, table=price_table(self.prices))
        if cost is None:
            with self._lock:
                if model not in self._unpriced:
                    self._unpriced.add(model)
                    log.warning(
                        "no price for model %s in the %s engine's pricing.yaml: its cost is counted as 0",
                        model,
                        self.name,
                    )
            cost = 0.0
        return Usage(calls=1, cost_usd=cost, **counts)


def _repair(exc: InvalidReply, kind: str) -> str:
    return (
        f"Your reply could not be used: {exc}\n"
        f"Reply again with the complete corrected JSON object following the `{kind}` schema."
    )
