"""Storage: revisions by content, runs, database path resolution, bad paths. The
`store` tests run on both backends: a SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import sqlite3

import pytest

from committee.errors import BadInput
from committee.intake.packets import parse_packet
from committee.store.runs import Store, default_db_path

BODY = "---\npacket: ana-pm\n---\n## Resume\nText one.\n"


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, db_path):
    """The same suite on each backend."""
    target = request.getfixturevalue("pg_url") if request.param == "postgres" else db_path
    with Store(target) as s:
        yield s


def test_same_key_same_content_reuses_revision_new_content_is_next(store):
    a = store.save_packet(parse_packet(BODY))
    b = store.save_packet(parse_packet(BODY))
    c = store.save_packet(parse_packet(BODY + "More.\n"))
    d = store.save_packet(parse_packet(BODY.replace("ana-pm", "other")))
    assert (a.revision, b.revision, c.revision, d.revision) == (1, 1, 2, 1)
    assert [p.revision for p in store.revisions("ana-pm")] == [1, 2]
    assert store.get_revision("ana-pm", 2).text.endswith("More.\n")
    with pytest.raises(BadInput):
        store.revisions("nope")


def test_runs_newest_first_and_status(store):
    p = store.save_packet(parse_packet(BODY))
    for i in range(3):
        store.create_run(
            f"r{i}",
            p,
            scenario="safety-pm",
            engine="offline",
            model=None,
            protocol="simultaneous",
            rounds=2,
            panel=["a", "b"],
        )
    store.fail_run("r1", "boom")
    rows = store.list_runs()
    assert [r.run_id for r in rows] == ["r2", "r1", "r0"]
    assert store.get_run("r1").status == "failed" and store.get_run("r1").error == "boom"
    with pytest.raises(BadInput, match="no run"):
        store.get_run("zzz")


def test_wal_mode_and_schema_version(db_path):
    with Store(db_path):
        pass
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_db_path_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMITTEE_DB", str(tmp_path / "x.db"))
    assert default_db_path() == str(tmp_path / "x.db")
    monkeypatch.setenv("COMMITTEE_DB", "postgresql://team:s3cret@db.example:5432/committee")
    assert default_db_path().startswith("postgresql://")


def test_not_a_database_is_bad_input(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BadInput, match="not a committee database"):
        Store(junk)
    assert junk.read_bytes() == b"this is not sqlite" * 100
    with pytest.raises(BadInput, match="directory"):
        Store(tmp_path)


def test_run_ids_resolve_from_prefix_and_latest(store):
    p = store.save_packet(parse_packet(BODY))
    for rid in ("abcd1234", "abcd5678", "abce9999", "zz_x0000"):
        store.create_run(
            rid,
            p,
            scenario="safety-pm",
            engine="offline",
            model=None,
            protocol="simultaneous",
            rounds=2,
            panel=["a", "b"],
        )
    assert store.resolve_run_id("abcd1") == "abcd1234"
    assert store.resolve_run_id("abce9999") == "abce9999"
    assert store.resolve_run_id("latest") == "zz_x0000"
    assert store.resolve_run_id("zz_x") == "zz_x0000"
    with pytest.raises(BadInput, match="ambiguous"):
        store.resolve_run_id("abcd")
    with pytest.raises(BadInput, match="no run"):
        store.resolve_run_id("abc%")  # LIKE wildcards are literal
    with pytest.raises(BadInput, match="no run"):
        store.resolve_run_id("zz%x")
    with pytest.raises(BadInput, match="no run"):
        store.resolve_run_id("abc")  # too short to be a prefix


def test_a_running_run_records_its_owner_process(store):
    import os

    from committee.store.runs import owner_alive, this_process

    p = store.save_packet(parse_packet(BODY))
    store.create_run(
        "own1",
        p,
        scenario="safety-pm",
        engine="offline",
        model=None,
        protocol="simultaneous",
        rounds=2,
        panel=["a", "b"],
    )
    assert store.get_run("own1").owner == this_process()
    assert owner_alive(this_process()) is False  # ourselves: not "another" process
    assert owner_alive(f"{this_process().rsplit(':', 1)[0]}:{os.getppid()}") is True
    assert owner_alive("elsewhere:1") is False and owner_alive(None) is False


def test_another_host_owns_a_run_while_its_lease_lasts(store):
    """From another machine a pid cannot be checked: the lease in the database decides."""
    import time

    from committee.store.runs import LEASE_S, owner_alive

    p = store.save_packet(parse_packet(BODY))
    store.create_run(
        "lease1",
        p,
        scenario="safety-pm",
        engine="offline",
        model=None,
        protocol="simultaneous",
        rounds=2,
        panel=["a", "b"],
    )
    row = store.get_run("lease1")
    assert row.lease_until == pytest.approx(time.time() + LEASE_S, abs=5)
    assert owner_alive("other-host:123", row.lease_until) is True
    assert owner_alive("other-host:123", time.time() - 1) is False, "an expired lease frees the run"
    assert owner_alive("other-host:123", None) is False
    with store.tx() as c:
        c.execute("UPDATE runs SET lease_until=? WHERE run_id=?", (time.time() - 100, "lease1"))
    store.heartbeat("lease1")  # this process owns it: the beat renews the lease
    assert store.get_run("lease1").lease_until > time.time() + LEASE_S - 5


def test_studies_upsert_and_unique_revisions_under_concurrent_writers(store):
    """Writers on one database: every save gets its own revision number, and a study
    saved twice under one id is replaced, not duplicated."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [BODY + f"Line {i}.\n" for i in range(12)]
    with ThreadPoolExecutor(4) as pool:
        revs = list(pool.map(lambda t: store.save_packet(parse_packet(t)).revision, texts))
    assert sorted(revs) == list(range(1, 13))
    store.save_study("s1", "probe", engine="offline", summary={"a": 1})
    store.save_study("s1", "probe", engine="offline", summary={"a": 2})
    assert [s["summary"] for s in store.list_studies()] == [{"a": 2}]


def test_latest_prefers_a_submitted_packet_over_study_variants(store):
    import time

    p = store.save_packet(parse_packet(BODY))
    v = store.save_packet(parse_packet(BODY.replace("ana-pm", "ana-pm--probe")))
    store.create_run(
        "own-run",
        p,
        scenario="safety-pm",
        engine="offline",
        model=None,
        protocol="simultaneous",
        rounds=2,
        panel=["a", "b"],
    )
    time.sleep(0.01)
    store.create_run(
        "probe-run",
        v,
        scenario="safety-pm",
        engine="offline",
        model=None,
        protocol="simultaneous",
        rounds=2,
        panel=["a", "b"],
    )
    assert store.resolve_run_id("latest") == "own-run"
