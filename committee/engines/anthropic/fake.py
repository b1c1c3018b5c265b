"""A scripted stand-in for the Anthropic Messages API, for tests and the benchmark.

`FakeMessagesAPI` reads a request the way the engine writes it (`prompts`): the persona
tag, the task tag, the rubric dimensions, the signal list and the packet between its
markers; and answers with a valid structured reply: verbatim quotes, every dimension
scored, the persona's scripted vote (held through the debrief). It also simulates the
prompt cache (a prefix up to a `cache_control` breakpoint written by a request that
finished before this one started is reported as `cache_read_input_tokens`, else as
`cache_creation_input_tokens`; about 4 bytes per token), a fixed latency per request, and faults scripted with `on()`.

Use it with the SDK through `httpx2.MockTransport(fake.handler)` (no socket at all), or
behind a loopback HTTP server (`bench/bench_anthropic.py`). It never calls a network.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

SPLIT_VOTES = {"research-lead": "no_hire", "safety-lead": "no_hire", "vp-product": "hire", "hiring-manager": "hire"}

_PERSONA = re.compile(r"\[persona: ([\w-]+)\]")
_TASK = re.compile(r"\[task: (review|turn)(?: round=(\d+))?\]")
_PACKET = re.compile(r"<<<PACKET (\w+) BEGIN>>>\n(.*)\n<<<PACKET \1 END>>>", re.DOTALL)
_DIM = re.compile(r"^- `([\w-]+)` \(", re.MULTILINE)
_SIGNAL = re.compile(r"^- `([\w-]+)` \[(red|green), ", re.MULTILINE)


@dataclass
class Rule:
    """A scripted response for matching requests, used `times` times (None: always)."""

    kind: str | None = None
    persona: str | None = None
    times: int | None = 1
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None          # 200 with this raw text as the reply
    stop_reason: str | None = None   # 200 with this stop reason (e.g. refusal, max_tokens)
    error: Exception | None = None   # raised instead of answering (e.g. a timeout)
    latency: float | None = None     # seconds before answering, instead of the fake's latency

    def matches(self, kind: str, persona: str) -> bool:
        return (self.times is None or self.times > 0) and self.kind in (None, kind) and self.persona in (None, persona)


@dataclass
class Seen:
    """One request as the fake saw it."""

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


class FakeMessagesAPI:
    """`votes`: persona id -> vote it seals and holds (default: a 2-2 split, so the
    debrief runs every round). `latency`: seconds per request. `bad_quotes`: add one
    invented quote to every reply (the engine must drop and count it)."""

    def __init__(self, votes: dict[str, str] | None = None, *, latency: float = 0.0, bad_quotes: bool = False):
        self.votes = dict(SPLIT_VOTES if votes is None else votes)
        self.latency = latency
        self.bad_quotes = bad_quotes
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._cache: dict[str, float] = {}  # cached prefix -> when it became readable
        self._lock = threading.Lock()

    # ------------------------------------------------------------ scripting
    def on(self, **kwargs: Any) -> Rule:
        """Script a response: `on(kind="review", persona="safety-lead", status=529, times=None)`."""
        rule = Rule(**kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def client(self):
        """An `httpx2.Client` whose transport is this fake (pass it as `http_client`)."""
        import httpx2

        return httpx2.Client(transport=httpx2.MockTransport(self.handler))

    def count(self, kind: str | None = None, persona: str | None = None, ok: bool | None = None) -> int:
        return sum(1 for s in self.seen if kind in (None, s.kind) and persona in (None, s.persona)
                   and (ok is None or (s.status == 200) == ok))

    # ------------------------------------------------------------ transports
    def handler(self, request):
        """An `httpx2.MockTransport` handler."""
        import httpx2

        status, headers, body = self.respond(request.url.path, dict(request.headers), request.content, url=str(request.url))
        return httpx2.Response(status, headers=headers, content=body)

    def respond(self, path: str, headers: dict[str, str], raw: bytes, *, url: str = "") -> tuple[int, dict[str, str], bytes]:
        """Transport-agnostic core: (status, headers, body bytes) for one HTTP request."""
        start = time.perf_counter()
        if not path.endswith("/v1/messages"):
            return _error(404, "not_found_error", f"the fake serves /v1/messages only, not {path}")
        body = json.loads(raw or b"{}")
        system = body.get("system") or []
        sys_text = "".join(b.get("text", "") for b in system) if isinstance(system, list) else str(system)
        first = body["messages"][0]["content"]
        first = first if isinstance(first, str) else "".join(b.get("text", "") for b in first)
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
            if rule is not None and rule.status != 200:
                status, out_headers, out = _error(rule.status, _error_type(rule.status), "scripted failure")
                out_headers.update(rule.headers)
            else:
                reply = rule.text if rule is not None and rule.text is not None else self._reply_text(kind, persona, sys_text)
                stop = rule.stop_reason if rule is not None and rule.stop_reason else "end_turn"
                status, out_headers = 200, {"content-type": "application/json", **(rule.headers if rule else {})}
                out = json.dumps(self._message(body, reply, stop, start)).encode()
            return status, out_headers, out
        finally:
            with self._lock:
                self.seen.append(Seen(kind, persona, rnd, len(body["messages"]) > 1,
                                      status, start, time.perf_counter(), body,
                                      {k.lower(): v for k, v in headers.items()}, url or path))

    # ------------------------------------------------------------ replies
    def _reply_text(self, kind: str, persona: str, sys_text: str) -> str:
        packet = _PACKET.search(sys_text)
        text = packet[2] if packet else ""
        dims = _DIM.findall(sys_text)
        signals = _SIGNAL.findall(sys_text)
        vote = self.votes.get(persona, "hire")
        polarity = "green" if vote in ("hire", "strong_hire") else "red"
        signal = next((s for s, p in signals if p == polarity), signals[0][0] if signals else "unknown")
        evidence = [{"quote": q, "signal": signal} for q in _quotes(text, persona)]
        if self.bad_quotes:
            evidence.append({"quote": "A sentence the candidate never wrote anywhere.", "signal": signal})
        if kind == "review":
            score = 3 if polarity == "green" else 2
            review = {"evidence": evidence, "scores": [{"dimension": d, "score": score} for d in dims],
                      "summary": f"{persona} reads the packet as {vote.replace('_', ' ')}.", "vote": vote,
                      "confidence": 0.7}
            return json.dumps({"review": review, "turn": None})
        others = [p for p in self.votes if p != persona]
        turn = {"move": "hold", "to": others[0] if others else None,
                "text": f"{persona} keeps {vote.replace('_', ' ')}: the quoted passage decides it.",
                "evidence": evidence[:1], "vote": vote, "reason": None}
        return json.dumps({"review": None, "turn": turn})

    def _message(self, body: dict, text: str, stop_reason: str, start: float) -> dict:
        usage = self._usage(body, text, start)
        return {"id": f"msg_fake_{len(self.seen)}", "type": "message", "role": "assistant", "model": body.get("model"),
                "content": [{"type": "text", "text": text}], "stop_reason": stop_reason, "stop_sequence": None,
                "usage": usage}

    def _usage(self, body: dict, text: str, start: float) -> dict:
        """Tokens (~4 bytes each) with the prompt cache simulated at each breakpoint: a
        prefix is read from the cache only by requests that started after an earlier
        request wrote it (simultaneous requests all miss, as with the real cache)."""
        fmt = json.dumps((body.get("output_config") or {}).get("format"), sort_keys=True)
        blocks = [b.get("text", "") for b in body.get("system") or [] if isinstance(b, dict)]
        marks = [i for i, b in enumerate(body.get("system") or []) if isinstance(b, dict) and b.get("cache_control")]
        msgs = json.dumps(body.get("messages"), sort_keys=True)
        total = len(fmt) + sum(len(b) for b in blocks) + len(msgs)
        read = write = 0
        with self._lock:
            done = 0
            for i in marks:
                prefix = body.get("model", "") + fmt + "".join(blocks[:i + 1])
                size = len(prefix) - len(body.get("model", "")) - done
                if self._cache.get(prefix, float("inf")) <= start:
                    read += size
                else:
                    write += size
                    self._cache.setdefault(prefix, time.perf_counter())
                done += size
        return {"input_tokens": max(0, total - read - write) // 4, "output_tokens": len(text) // 4,
                "cache_creation_input_tokens": write // 4, "cache_read_input_tokens": read // 4}


def _quotes(text: str, persona: str) -> list[str]:
    """Two verbatim sentences of the packet body, chosen per persona."""
    body = text.split("\n---\n", 1)[-1] if text.startswith("---") else text
    sentences = [s.strip() for line in body.splitlines() if line and not line.startswith("#")
                 for s in re.split(r"(?<=[.!?])\s+", line) if 40 <= len(s.strip()) <= 220]
    if not sentences:
        return []
    k = sum(map(ord, persona)) % len(sentences)
    return list(dict.fromkeys([sentences[k], sentences[(k + 7) % len(sentences)]]))


def _error_type(status: int) -> str:
    return {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error",
            529: "overloaded_error"}.get(status, "api_error")


def _error(status: int, kind: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return status, {"content-type": "application/json"}, json.dumps(body).encode()
