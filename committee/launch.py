"""The console entry point (`committee`, `python -m committee`) and the process's
Ctrl+C policy. This module imports nothing heavy, so a Ctrl+C is handled from the
first instant, even while the CLI's libraries are still being imported.

- While starting (before the CLI is imported, nothing stored yet): a Ctrl+C exits at
  once with code 130 and the line "interrupted", no traceback.
- Then (`sigint_policy`): the first Ctrl+C raises KeyboardInterrupt, which the runner
  turns into a stored, resumable run and one line. Another Ctrl+C within
  `FORCE_AFTER_S` is ignored, so it cannot cut that cleanup short; one after it ends a
  process that is stuck waiting (an engine call that cannot be cancelled) at once,
  with code 130. Calls that had returned are already checkpointed, and a run left
  `running` by the forced exit is resumable (its process is gone).
- Exiting after a Ctrl+C, further ones are ignored (Python resets its handlers late in
  shutdown, when a Ctrl+C would kill the process), and a shutdown still waiting for a
  thread after `FORCE_AFTER_S` is cut short, with code 130.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

GRACE_S = 3.0  # after an interrupt: how long finished calls get to reach the checkpoint (the runner waits this)
FORCE_AFTER_S = GRACE_S + 0.5  # the grace window plus storing the run and printing its line


def _exit_now(message: str) -> None:
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    finally:
        os._exit(130)


def _while_starting(signum, frame) -> None:
    _exit_now("interrupted")


_ACTIVE: list[bool] = []  # a policy is installed (nested policies do nothing)
_FIRST: list[float] = []  # when the first Ctrl+C came (monotonic seconds)


@contextmanager
def sigint_policy(restore: bool = True) -> Iterator[None]:
    """The Ctrl+C policy above for the body, in the main thread only (signal handlers
    can be set nowhere else). With `restore`, the previous handler is put back
    afterwards (for in-process callers); the console entry point keeps the policy
    through the interpreter's shutdown, which may wait for threads."""
    if _ACTIVE or threading.current_thread() is not threading.main_thread():
        yield
        return
    _FIRST.clear()

    def on_sigint(signum, frame) -> None:
        if not _FIRST:
            _FIRST.append(time.monotonic())
            raise KeyboardInterrupt
        if time.monotonic() - _FIRST[0] >= FORCE_AFTER_S:
            _exit_now(
                "interrupted again: exiting now (calls that had returned are stored; `committee resume` continues)"
            )

    previous = signal.signal(signal.SIGINT, on_sigint)
    _ACTIVE.append(True)
    try:
        yield
    finally:
        if restore:
            _ACTIVE.clear()
            signal.signal(signal.SIGINT, previous)


def main() -> None:
    """`committee`: Ctrl+C handled from the start, then the CLI (`committee.cli.main`)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _while_starting)
    from committee.cli import main as cli_main

    try:
        with sigint_policy(restore=False):
            cli_main()
    finally:
        if _FIRST:  # exiting after a Ctrl+C: ignore more, and never wait long for threads
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            threading.Thread(target=_exit_after, args=(FORCE_AFTER_S,), daemon=True).start()


def _exit_after(seconds: float) -> None:
    time.sleep(seconds)
    _exit_now("interrupted: calls still in flight were abandoned (the others are stored)")
