"""A stand-in model server for tests and benchmarks: it speaks both the Anthropic
Messages API (`/v1/messages`) and the OpenAI Chat Completions API
(`/v1/chat/completions`), and never calls a network.

Two kinds of reply:
- **plausible** (default): it reads a request the way the engine writes it (`prompts`):
  the persona tag, the task tag, the rubric dimensions, the signal list and the packet
  between its markers; and answers with verbatim quotes, the right ids, every dimension
  scored, the persona's scripted vote, (`changes`) a scripted vote change with a
  reason in the persona's first debrief turn, and (`asks`) a scripted follow-up
  question of the kind given (its dimension the first must-pass one, its quote a
  verbatim sentence, its case prompt the first listed); a persona not in `asks`
  answers a question task with `ask: false`;
- **blind** (`blind=True`): any instance of the request's reply schema, drawn at random
  (seeded), as constrained decoding would allow: quotes are random words, ids are
  whatever the schema's enums allow. In the `text` mode the schema is read from the
  brief.

It honours the output mode (JSON schema, forced tool call, or text), can reject modes
with the 400 a server sends (`reject_modes`), simulates the prompt cache (Anthropic: a
prefix up to a `cache_control` breakpoint written by a request that finished before
this one started is read, else written; OpenAI: the longest prefix shared with such a
request, in 512-byte steps, is reported as cached; about 4 bytes per token), a fixed
latency per request, and faults scripted with `on()`.

Use it with an SDK through `httpx2.MockTransport(fake.handler)` (no socket at all), or
behind a loopback HTTP server (`bench/bench_llm.py`).
"""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from committee.catalog import default_catalog

_PERSONA = re.compile(r"\[persona: ([\w-]+)\]")
_TASK = re.compile(r"\[task: (review|turn|question)(?: round=(\d+))?\]")
_PACKET = re.compile(r"<<<PACKET (\w+) BEGIN>>>\n(.*)\n<<<PACKET \1 END>>>", re.DOTALL)
_DIM = re.compile(r"^- `([\w-]+)` \(", re.MULTILINE)
_SIGNAL = re.compile(r"^- `([\w-]+)` \[(red|green), ", re.MULTILINE)
_SCHEMA = re.compile(r"^- `(review|turn|question)`: (\{.*\})$", re.MULTILINE)
_MUST_PASS = re.compile(r"^Must-pass dimensions: (.*)$", re.MULTILINE)
_CASE = re.compile(r"^- `([\w-]+)`: ", re.MULTILINE)
_REJECTION = {
    ("anthropic", "native"): "output_config.format: structured outputs are not supported by this model",
    ("anthropic", "tool"): "tools: tool use is not supported by this model",
    ("openai", "native"): "response_format of type 'json_schema' is not supported by this model",
    ("openai", "tool"): "tools are not supported by this model",
}


def split_votes(panel: list[str]) -> dict[str, str]:
    """Persona id -> vote: the first half of `panel` no_hire, the rest hire (2-2 for the
    default panel of four), so the debrief runs every round."""
    return {p: "no_hire" if i < len(panel) // 2 else "hire" for i, p in enumerate(panel)}


@dataclass
class Rule:
    """A scripted response for matching requests, used `times` times (None: always)."""

    kind: str | None = None
    persona: str | None = None
    times: int | None = 1
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # 200 with this raw reply text (tool mode: the tool input)
    stop_reason: str | None = None  # 200 with this stop reason (refusal, max_tokens)
    error: Exception | None = None  # raised instead of answering (e.g. a timeout)
    latency: float | None = None  # seconds before answering, instead of the fake's latency

    def matches(self, kind: str, persona: str) -> bool:
        return (self.times is None or self.times > 0) and self.kind in (None, kind) and self.persona in (None, persona)


@dataclass
class Seen:
    """One request as the fake saw it (`api` is "anthropic" or "openai")."""

    kind: str
    persona: str
    round: int
    repair: bool
    status: int
    start: float
    end: float
    body: dict
    headers: dict[str, str]
    url: str = ""
    api: str = "anthropic"
    mode: str = "text"


class FakeLLMServer:
    """`votes`: persona id -> vote it seals (default: `split_votes` of the catalog's
    default panel, so the debrief runs every round). `changes`: persona id -> vote it moves to in its first turn, with a
    reason. `asks`: persona id -> the kind of follow-up question it asks
    (`models.QuestionKind`); everyone else asks nothing. `latency`: seconds per request. `bad_quotes`: add one invented quote to
    every reply (the engine must drop and count it). `blind`: random schema-valid
    replies (`seed`). `reject_modes`: output modes answered with a 400 naming them."""

    def __init__(
        self,
        votes: dict[str, str] | None = None,
        *,
        latency: float = 0.0,
        bad_quotes: bool = False,
        blind: bool = False,
        seed: int = 0,
        changes: dict[str, str] | None = None,
        asks: dict[str, str] | None = None,
        reject_modes: set[str] | None = None,
    ):
        if votes is None:
            votes = split_votes(default_catalog().default_panel)
        self.votes = dict(votes)
        self.changes = dict(changes or {})
        self.asks = dict(asks or {})
        self.latency = latency
        self.bad_quotes = bad_quotes
        self.blind = blind
        self.rng = random.Random(seed)
        self.reject_modes = set(reject_modes or ())
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._cache: dict[str, float] = {}  # Anthropic: cached prefix -> when it became readable
        self._done: list[tuple[float, str]] = []  # OpenAI: (finished at, prompt) of answered requests
        self._lock = threading.Lock()

    # ------------------------------------------------------------ scripting
    def on(self, **kwargs: Any) -> Rule:
        """Script a response: `on(kind="review", persona=PERSONA_ID, status=529, times=None)`."""
        rule = Rule(**kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def client(self):
        """An `httpx2.Client` whose transport is this fake (pass it as `http_client`)."""
        import httpx2

        return httpx2.Client(transport=httpx2.MockTransport(self.handler))

    def count(self, kind: str | None = None, persona: str | None = None, ok: bool | None = None) -> int:
        return sum(
            1
            for s in self.seen
            if kind in (None, s.kind) and persona in (None, s.persona) and (ok is None or (s.status == 200) == ok)
        )

    # ------------------------------------------------------------ transports
    def handler(self, request):
        """An `httpx2.MockTransport` handler."""
        import httpx2

        status, headers, body = self.respond(
            request.url.path, dict(request.headers), request.content, url=str(request.url)
        )
        return httpx2.Response(status, headers=headers, content=body)

    def respond(
        self, path: str, headers: dict[str, str], raw: bytes, *, url: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        """Transport-agnostic core: (status, headers, body bytes) for one HTTP request."""
        start = time.perf_counter()
        if path.endswith("/v1/messages") or path == "/messages":
            api = "anthropic"
        elif path.endswith("/chat/completions"):
            api = "openai"
        else:
            return _error("anthropic", 404, f"the fake serves /v1/messages and /v1/chat/completions, not {path}")
        body = json.loads(raw or b"{}")
        sys_text, first, schema, mode, tool = _read(api, body)
        persona = (_PERSONA.search(sys_text) or [None, "?"])[1]
        task = _TASK.search(first)
        kind, rnd = (task[1], int(task[2] or 0)) if task else ("?", 0)
        with self._lock:
            rule = next((r for r in self.rules if r.matches(kind, persona)), None)
            if rule is not None and rule.times is not None:
                rule.times -= 1
        latency = rule.latency if rule is not None and rule.latency is not None else self.latency
        if latency:
            time.sleep(latency)
        status = 0  # stays 0 when the rule raises instead of answering
        try:
            if rule is not None and rule.error is not None:
                raise rule.error
            if mode in self.reject_modes:
                status, out_headers, out = _error(api, 400, _REJECTION[(api, mode)])
            elif rule is not None and rule.status != 200:
                status, out_headers, out = _error(api, rule.status, "scripted failure")
                out_headers.update(rule.headers)
            else:
                if rule is not None and rule.text is not None:
                    reply = rule.text
                elif self.blind:
                    reply = json.dumps(self._blind(schema or _schema_in(sys_text, kind)))
                else:
                    reply = self._plausible(kind, persona, rnd, sys_text, first)
                stop = rule.stop_reason if rule is not None and rule.stop_reason else "end_turn"
                status, out_headers = 200, {"content-type": "application/json", **(rule.headers if rule else {})}
                make = _anthropic_message if api == "anthropic" else _openai_completion
                out = json.dumps(make(body, reply, stop, tool, self._usage(api, body, reply, start))).encode()
            return status, out_headers, out
        finally:
            end = time.perf_counter()
            with self._lock:
                self.seen.append(
                    Seen(
                        kind,
                        persona,
                        rnd,
                        len(body.get("messages") or []) > (1 if api == "anthropic" else 2),
                        status,
                        start,
                        end,
                        body,
                        {k.lower(): v for k, v in headers.items()},
                        url or path,
                        api,
                        mode,
                    )
                )
                if api == "openai" and status == 200:
                    self._done = [*self._done[-63:], (end, _prompt_bytes(body))]

    # ------------------------------------------------------------ replies
    def _plausible(self, kind: str, persona: str, rnd: int, sys_text: str, task: str = "") -> str:
        packet = _PACKET.search(sys_text)
        text = packet[2] if packet else ""
        dims = _DIM.findall(sys_text)
        if kind == "question":
            return json.dumps(_question(self.asks.get(persona), persona, dims, text, task))
        signals = _SIGNAL.findall(sys_text)
        vote = self.votes.get(persona, "hire")
        moved = self.changes.get(persona) if kind == "turn" else None
        polarity = "green" if (moved or vote) in ("hire", "strong_hire") else "red"
        signal = next((s for s, p in signals if p == polarity), signals[0][0] if signals else "unknown")
        evidence = [{"quote": q, "signal": signal} for q in _quotes(text, persona)]
        if self.bad_quotes:
            evidence.append({"quote": "A sentence the candidate never wrote anywhere.", "signal": signal})
        if kind == "review":
            score = 3 if polarity == "green" else 2
            return json.dumps(
                {
                    "evidence": evidence,
                    "scores": {d: score for d in dims},
                    "summary": f"{persona} reads the packet as {vote.replace('_', ' ')}.",
                    "vote": vote,
                    "confidence": 0.7,
                }
            )
        others = [p for p in self.votes if p != persona]
        if moved:
            return json.dumps(
                {
                    "move": "concede",
                    "to": others[0] if others else None,
                    "text": f"{persona} moves to {moved.replace('_', ' ')} on the quoted passage.",
                    "evidence": evidence[:1],
                    "vote": moved,
                    "reason": "The quoted passage, read again, decides it.",
                }
            )
        return json.dumps(
            {
                "move": "hold",
                "to": others[0] if others else None,
                "text": f"{persona} keeps {vote.replace('_', ' ')}: the quoted passage decides it.",
                "evidence": evidence[:1],
                "vote": vote,
                "reason": None,
            }
        )

    def _blind(self, schema: dict | None) -> Any:
        with self._lock:
            return instance(schema or {"type": "object", "properties": {}}, self.rng)

    def _usage(self, api: str, body: dict, text: str, start: float) -> dict:
        return self._anthropic_usage(body, text, start) if api == "anthropic" else self._openai_usage(body, text, start)

    def _anthropic_usage(self, body: dict, text: str, start: float) -> dict:
        """A prefix is read from the cache only by requests that started after an earlier
        request wrote it (simultaneous requests all miss, as with the real cache)."""
        fmt = json.dumps([(body.get("output_config") or {}).get("format"), body.get("tools")], sort_keys=True)
        blocks = [b.get("text", "") for b in body.get("system") or [] if isinstance(b, dict)]
        marks = [i for i, b in enumerate(body.get("system") or []) if isinstance(b, dict) and b.get("cache_control")]
        msgs = json.dumps(body.get("messages"), sort_keys=True)
        total = len(fmt) + sum(len(b) for b in blocks) + len(msgs)
        read = write = 0
        with self._lock:
            done = 0
            for i in marks:
                prefix = body.get("model", "") + fmt + "".join(blocks[: i + 1])
                size = len(prefix) - len(body.get("model", "")) - done
                if self._cache.get(prefix, float("inf")) <= start:
                    read += size
                else:
                    write += size
                    self._cache.setdefault(prefix, time.perf_counter())
                done += size
        return {
            "input_tokens": max(0, total - read - write) // 4,
            "output_tokens": len(text) // 4,
            "cache_creation_input_tokens": write // 4,
            "cache_read_input_tokens": read // 4,
        }

    def _openai_usage(self, body: dict, text: str, start: float) -> dict:
        prompt = _prompt_bytes(body)
        with self._lock:
            earlier = [p for end, p in self._done if end <= start]
        shared = max((common_prefix(prompt, p) for p in earlier), default=0)
        cached = (shared // 512) * 512 if shared >= 1024 else 0
        return {
            "prompt_tokens": len(prompt) // 4,
            "completion_tokens": len(text) // 4,
            "total_tokens": (len(prompt) + len(text)) // 4,
            "prompt_tokens_details": {"cached_tokens": cached // 4},
        }


# ------------------------------------------------------------------ request reading


def _read(api: str, body: dict) -> tuple[str, str, dict | None, str, str | None]:
    """(system text, first user text, reply schema or None, output mode, forced tool name)."""
    msgs = body.get("messages") or []
    if api == "anthropic":
        system = body.get("system") or []
        sys_text = "".join(b.get("text", "") for b in system) if isinstance(system, list) else str(system)
        users = [m for m in msgs if m.get("role") == "user"]
    else:
        sys_text = "".join(str(m.get("content") or "") for m in msgs if m.get("role") == "system")
        users = [m for m in msgs if m.get("role") == "user"]
    first = users[0]["content"] if users else ""
    first = first if isinstance(first, str) else "".join(b.get("text", "") for b in first)
    tool = None
    if api == "anthropic":
        fmt = (body.get("output_config") or {}).get("format")
        if fmt:
            return sys_text, first, fmt.get("schema"), "native", None
        choice = body.get("tool_choice") or {}
        if choice.get("type") == "tool":
            tool = choice.get("name")
            schema = next((t.get("input_schema") for t in body.get("tools") or [] if t.get("name") == tool), None)
            return sys_text, first, schema, "tool", tool
        return sys_text, first, None, "text", None
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return sys_text, first, (fmt.get("json_schema") or {}).get("schema"), "native", None
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        tool = (choice.get("function") or {}).get("name")
        schema = next(
            (
                (t.get("function") or {}).get("parameters")
                for t in body.get("tools") or []
                if (t.get("function") or {}).get("name") == tool
            ),
            None,
        )
        return sys_text, first, schema, "tool", tool
    return sys_text, first, None, "text", None


def _schema_in(sys_text: str, kind: str) -> dict | None:
    """The reply schema of `kind` as printed in the shared brief."""
    for k, text in _SCHEMA.findall(sys_text):
        if k == kind:
            return json.loads(text)
    return None


def _prompt_bytes(body: dict) -> str:
    return json.dumps([body.get("tools"), body.get("response_format"), body.get("messages")], sort_keys=False)


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of `a` and `b` (binary search on slices: fast in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


# ------------------------------------------------------------------ replies


def instance(schema: dict, rng: random.Random, depth: int = 0) -> Any:
    """A random instance of a JSON schema (the subset the reply schemas use: object,
    array, string, integer, number, boolean, null, enum, anyOf, type lists)."""
    if "anyOf" in schema:
        return instance(rng.choice(schema["anyOf"]), rng, depth)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = rng.choice(kind)
    if kind == "object":
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        return {k: instance(v, rng, depth + 1) for k, v in props.items() if k in required or rng.random() < 0.5}
    if kind == "array":
        return [
            instance(schema.get("items") or {}, rng, depth + 1) for _ in range(rng.randint(0, 3 if depth < 3 else 0))
        ]
    if kind == "string":
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 12)))
    if kind == "integer":
        return rng.randint(-3, 9)
    if kind == "number":
        return round(rng.uniform(-2, 5), 3)
    if kind == "boolean":
        return rng.random() < 0.5
    return None


_WORDS = (
    "the",
    "packet",
    "shows",
    "a",
    "clear",
    "threat",
    "model",
    "launch",
    "risk",
    "users",
    "metric",
    "trade",
    "review",
    "safety",
    "growth",
    "evidence",
    "because",
    "not",
    "yes",
    "no",
)


def _anthropic_message(body: dict, text: str, stop_reason: str, tool: str | None, usage: dict) -> dict:
    content: list[dict] = [{"type": "text", "text": text}]
    if tool and stop_reason == "end_turn":
        try:
            content = [{"type": "tool_use", "id": "toolu_fake", "name": tool, "input": json.loads(text)}]
            stop_reason = "tool_use"
        except (json.JSONDecodeError, TypeError):
            pass
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body.get("model"),
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def _openai_completion(body: dict, text: str, stop_reason: str, tool: str | None, usage: dict) -> dict:
    finish = {"max_tokens": "length", "end_turn": "stop", "refusal": "stop"}.get(stop_reason, "stop")
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if stop_reason == "refusal":
        message.update(content=None, refusal="I can't help with that.")
    elif tool:
        message.update(
            content=None,
            tool_calls=[{"id": "call_fake", "type": "function", "function": {"name": tool, "arguments": text}}],
        )
        finish = "tool_calls" if finish == "stop" else finish
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage,
    }


def _question(kind: str | None, persona: str, dims: list[str], text: str, task: str) -> dict:
    """A follow-up question reply of `kind` as the question task asks for it, or
    `ask: false` when `kind` is None."""
    if kind is None:
        return {
            "ask": False,
            "kind": "silent-dimension",
            "dimension": None,
            "case_prompt": None,
            "question": "",
            "quote": None,
        }
    must = _MUST_PASS.search(task)
    must_pass = re.findall(r"`([\w-]+)`", must[1]) if must else []
    dimension = (must_pass or dims or [None])[0]
    cases = _CASE.findall(task.split("Case prompts", 1)[-1]) if "Case prompts" in task else []
    quotes = _quotes(text, persona)
    out = {"ask": True, "kind": kind, "dimension": dimension, "case_prompt": None, "quote": None}
    if kind == "unsure-reading" and quotes:
        out["quote"] = quotes[0]
        out["question"] = f"{persona} asks: what did you mean by this passage, and what would you do next?"
    elif kind == "unanswered-prompt" and cases:
        out["case_prompt"] = cases[0]
        out["question"] = f"{persona} asks: how would you answer the case prompt {cases[0]}?"
    else:
        out["question"] = f"{persona} asks: what would you tell us about {dimension}?"
    return out


def _quotes(text: str, persona: str) -> list[str]:
    """Two verbatim sentences of the packet body, chosen per persona."""
    body = text.split("\n---\n", 1)[-1] if text.startswith("---") else text
    sentences = [
        s.strip()
        for line in body.splitlines()
        if line and not line.startswith("#")
        for s in re.split(r"(?<=[.!?])\s+", line)
        if 40 <= len(s.strip()) <= 220
    ]
    if not sentences:
        return []
    k = sum(map(ord, persona)) % len(sentences)
    return list(dict.fromkeys([sentences[k], sentences[(k + 7) % len(sentences)]]))


def _error(api: str, status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    if api == "openai":
        body: dict = {
            "error": {
                "message": message,
                "type": "invalid_request_error" if status == 400 else "api_error",
                "param": None,
                "code": None,
            }
        }
    else:
        kind = {
            400: "invalid_request_error",
            401: "authentication_error",
            429: "rate_limit_error",
            529: "overloaded_error",
        }.get(status, "api_error")
        body = {"type": "error", "error": {"type": kind, "message": message}}
    return status, {"content-type": "application/json"}, json.dumps(body).encode()


def serve(api: FakeLLMServer) -> ThreadingHTTPServer:
    """Start `api` behind a stdlib HTTP server on an ephemeral loopback port, in a
    daemon thread (`server.server_address[1]` is the port; `server.shutdown()` stops it)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real API

        def setup(self):
            super().setup()
            # headers and body leave in one segment: without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every response of this toy server
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            status, headers, body = api.respond(self.path, dict(self.headers), raw)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(body)))
            self._headers_buffer.append(b"\r\n")  # end_headers() without its separate flush
            self.wfile.write(b"".join(self._headers_buffer) + body)
            self._headers_buffer = []

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
