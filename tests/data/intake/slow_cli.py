"""Test-only entry point: the `committee` CLI whose `offline` engine is the real offline
engine slowed down and logged, so a test can run many processes at once or kill one
in the middle of a run. Run it as `python slow_cli.py <committee arguments>`.

Environment:
  COMMITTEE_TEST_DELAY     seconds to sleep in every engine call (default 0)
  COMMITTEE_TEST_DELAYS    JSON {persona id: seconds}, overriding the delay per persona
  COMMITTEE_TEST_CALL_LOG  a file to which "<pid> <kind> <persona>" is appended after each call
  COMMITTEE_TEST_BARRIER   "DIR:N": before its first engine call a process waits until N
                           processes have reached that point (so they are all mid-run at once)

The stored run says engine `offline`, so plain `committee resume RUN_ID` can continue it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for `committee`


def _install() -> None:
    import dataclasses

    from committee import engines
    from committee.engines.base import Engine
    from committee.engines.offline import OfflineEngine

    delay = float(os.environ.get("COMMITTEE_TEST_DELAY", "0") or 0)
    per_persona = json.loads(os.environ.get("COMMITTEE_TEST_DELAYS", "{}") or "{}")
    log = os.environ.get("COMMITTEE_TEST_CALL_LOG")

    barrier = os.environ.get("COMMITTEE_TEST_BARRIER")
    passed = threading.Event()
    lock = threading.Lock()

    def wait_for_others() -> None:
        if not barrier or passed.is_set():
            return
        with lock:
            if passed.is_set():
                return
            folder, n = barrier.rsplit(":", 1)
            Path(folder, str(os.getpid())).touch()
            deadline = time.monotonic() + 240
            while len(list(Path(folder).iterdir())) < int(n):
                if time.monotonic() > deadline:
                    raise RuntimeError("barrier: the other processes never arrived")
                time.sleep(0.05)
            passed.set()

    def note(kind: str, persona: str) -> None:
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {kind} {persona}\n")

    class Slow(Engine):
        name = "offline"

        def __init__(self, inner: Engine):
            self.inner = inner
            self.model = inner.model

        def review(self, ctx, persona):
            wait_for_others()
            time.sleep(float(per_persona.get(persona.id, delay)))
            result = self.inner.review(ctx, persona)
            note("review", persona.id)
            return result

        def speak(self, ctx, req):
            time.sleep(float(per_persona.get(req.speaker, delay)))
            result = self.inner.speak(ctx, req)
            note("turn", req.speaker)
            return result

        def feedback(self, ctx, reviews, debrief, decision):
            return self.inner.feedback(ctx, reviews, debrief, decision)

    engines.ENGINES["offline"] = dataclasses.replace(
        engines.ENGINES["offline"], target=lambda opts: Slow(OfflineEngine(opts))
    )


if __name__ == "__main__":
    _install()
    from committee.cli import main

    sys.argv[0] = "committee"
    main()
