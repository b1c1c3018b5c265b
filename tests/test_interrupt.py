"""Ctrl-C during a paid run, in a real process against a loopback stand-in server: the
calls that returned are kept, the rest are cancelled promptly, one line is printed and
no traceback, and `resume` repeats no finished call."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from committee.engines.llm.fake import FakeLLMServer, serve
from tests.conftest import EXAMPLES

PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]


@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_keeps_every_returned_call_and_resume_repeats_none(tmp_path, signals):
    fake = FakeLLMServer(latency=0.05)
    fake.on(kind="review", persona="safety-lead", latency=30, times=1)  # still in flight at the signal
    server = serve(fake)
    db = tmp_path / "int.db"
    env = {
        **os.environ,
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "ANTHROPIC_API_KEY": "sk-ant-test-interrupt-0001",
        "COMMITTEE_DB": str(db),
    }
    cmd = [
        sys.executable,
        "-m",
        "committee",
        "review",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--engine",
        "anthropic",
        "--max-retries",
        "0",
    ]
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while fake.count(kind="review", ok=True) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake.count(kind="review", ok=True) == 3, "the three fast reviews never returned"
        time.sleep(0.3)  # their results reach the graph
        t0 = time.monotonic()
        for _ in range(signals):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
        out, err = proc.communicate(timeout=20)
        elapsed = time.monotonic() - t0
        assert proc.returncode == 130, err
        assert "Traceback" not in err and "cannot schedule new futures" not in err
        errors = [line for line in err.splitlines() if "error" in line.lower() or "interrupt" in line.lower()]
        assert len(errors) == 1 and errors[0].startswith("error: interrupted") and "committee resume" in errors[0], err
        assert err.rstrip().endswith(errors[0].rstrip()), "nothing may follow the one line"
        assert elapsed < 5, f"exit took {elapsed:.1f} s after the signal"
        resumed = subprocess.run(
            [sys.executable, "-m", "committee", "resume", "latest"], env=env, capture_output=True, text=True, timeout=60
        )
        assert resumed.returncode == 0, resumed.stderr
        done = {p: fake.count(kind="review", persona=p, ok=True) for p in PANEL}
        assert done == {"research-lead": 1, "safety-lead": 1, "vp-product": 1, "hiring-manager": 1}, (
            "resume repeated a review that had returned before the interrupt"
        )
    finally:
        server.shutdown()


@pytest.mark.parametrize("when", ["start", "finish"])
def test_ctrl_c_outside_the_graph_still_marks_the_run_interrupted(store, monkeypatch, when):
    """A Ctrl+C while the first progress is drawn, or while the result is being stored,
    leaves the run marked interrupted and resumable, never `running`."""
    from committee.errors import Interrupted
    from committee.graph.runner import prepare, resume_run, start_run
    from committee.intake.packets import read_packet

    def progress(event, data):
        if when == "start" and event == "start":
            raise KeyboardInterrupt

    finish = type(store).finish_run
    if when == "finish":
        monkeypatch.setattr(type(store), "finish_run", lambda self, result: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(Interrupted, match="committee resume"):
        start_run(store, prepare(read_packet(EXAMPLES / "strong-safety-pm.md")), progress=progress, run_id="ki-1")
    row = store.get_run("ki-1")
    assert row.status == "failed" and "interrupted" in row.error
    monkeypatch.setattr(type(store), "finish_run", finish)
    assert resume_run(store, "ki-1").run_id == "ki-1" and store.get_run("ki-1").status == "done"


@pytest.mark.parametrize("where", ["start", "review"])
def test_a_streamlit_rerun_during_a_run_leaves_it_resumable_not_running(store, where):
    """Clicking a control in the web app mid-run raises Streamlit's RerunException (a
    BaseException) in the script thread, wherever the run is: it must end `failed`
    ("interrupted") and resumable, so `committee resume` does not refuse it as running."""
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

    from committee.graph.runner import prepare, resume_run, start_run
    from committee.intake.packets import read_packet

    def progress(event, data):
        if event == where:
            raise RerunException(None)

    with pytest.raises(RerunException):
        start_run(
            store, prepare(read_packet(EXAMPLES / "strong-safety-pm.md")), progress=progress, run_id=f"rr-{where}"
        )
    row = store.get_run(f"rr-{where}")
    if where == "start":
        assert row.status == "failed" and row.error == "interrupted"
    else:  # the offline run may finish in the grace window: stored done, the rerun still raised
        assert row.status == "done" or (row.status == "failed" and row.error == "interrupted")
    assert resume_run(store, f"rr-{where}").run_id == f"rr-{where}" and store.get_run(f"rr-{where}").status == "done"


def test_ctrl_c_while_the_cli_is_still_starting_exits_130_without_a_traceback(tmp_path):
    """The console entry point sets its Ctrl+C handler before importing the CLI's
    libraries (about 2 s). The child stands in for that import with a pause it
    announces, so the signal lands there every time, not at a guessed moment."""
    child = tmp_path / "starting.py"
    child.write_text(
        "import builtins, sys, time\n"
        "import committee.launch as launch\n"
        "real = builtins.__import__\n"
        "def slow(name, *a, **k):\n"
        "    if name == 'committee.cli':\n"
        "        print('importing the CLI', flush=True)\n"
        "        time.sleep(20)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = slow\n"
        "sys.argv = ['committee', 'personas']\n"
        "launch.main()\n"
    )
    proc = subprocess.Popen([sys.executable, str(child)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "importing the CLI"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert err.strip() == "interrupted", err


def test_a_ctrl_c_that_comes_too_late_to_stop_the_run_stores_it_and_still_stops(store):
    """Ctrl+C while the first review is drawn: the offline run finishes within the grace
    window, so it is stored as done, and the command stops (a study must not go on)."""
    from committee.errors import Interrupted
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet

    def progress(event, data):
        if event == "review":
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="interrupted: run late-1") as info:
        start_run(store, prepare(read_packet(EXAMPLES / "strong-safety-pm.md")), progress=progress, run_id="late-1")
    status = store.get_run("late-1").status
    assert (status, "already reached its decision" in str(info.value)) in (("done", True), ("failed", False))


def test_the_cli_runs_outside_the_main_thread_and_leaves_no_handler_behind():
    import threading

    from committee.cli import main

    before = signal.getsignal(signal.SIGINT)
    codes = []

    def run():
        sys_argv, sys.argv = sys.argv, ["committee", "personas"]
        try:
            main()
        except SystemExit as exc:
            codes.append(exc.code)
        finally:
            sys.argv = sys_argv

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert codes == [0]
    try:
        sys_argv, sys.argv = sys.argv, ["committee", "personas"]
        with pytest.raises(SystemExit):
            main()
    finally:
        sys.argv = sys_argv
    assert signal.getsignal(signal.SIGINT) is before
