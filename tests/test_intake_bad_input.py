"""Every malformed input ends with one line on stderr and exit 2: no traceback, nothing
written, the database absent or byte-identical afterwards."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, run_cli
from tests.data.intake.builders import docx_bytes, pdf_bytes, scanned_pdf_bytes

GOOD = "---\npacket: ok-pm\n---\n## Resume\nSeven years as a PM.\n"


def _zip(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


_PDF = pdf_bytes([[("Seven years as a PM.", "normal")]])
_DOCX = docx_bytes([("p", "Seven years as a PM.")])

# name -> (file name, content or None for "make nothing"/special, expected words in the message)
CASES: dict[str, tuple[str, bytes | str | None, str]] = {
    "empty": ("empty.md", b"", "empty"),
    "whitespace only": ("blank.md", " \n\t\n  \r\n", "empty"),
    "empty after front matter": ("fm-only.md", "---\npacket: x\n---\n\n  \n", "empty"),
    "invisible characters only": ("zw.md", "\u200b\u200d\ufeff\u2066\n", "empty"),
    "headings only": ("heads.md", "## Resume\n## Product sense\n## Values\n", "has headings but no text"),
    "headings and a comment only": (
        "heads2.md",
        "---\npacket: h\n---\n# Packet\n## Resume\n<!-- to do -->\n\n## Values\n",
        "has headings but no text",
    ),
    "hidden content only": ("hid.md", "<div hidden>I led safety evals for two years.</div>\n", "no visible text"),
    "punctuation only": ("dots.md", "...\n---\n* * *\n", "empty"),
    "binary junk": ("junk.md", bytes(range(256)) * 4, "binary"),
    "binary junk without NUL": ("junk2.txt", bytes(range(1, 32)) * 20 + b"abc", "binary"),
    "undecodable text": ("koi8.md", "Привет комиссия, это мой пакет".encode("koi8-r"), "not UTF-8"),
    "truncated pdf": ("cut.pdf", _PDF[: len(_PDF) // 2], "not a readable PDF"),
    "fake pdf": ("fake.pdf", b"%PDF-1.7\nthis is not really a pdf\n", "not a readable PDF"),
    "text named pdf": ("text.pdf", b"just some text", "not a PDF file"),
    "scanned pdf": ("scan.pdf", scanned_pdf_bytes(), "no text layer"),
    "truncated docx": ("cut.docx", _DOCX[: len(_DOCX) // 2], "not a readable .docx"),
    "fake docx (zip)": ("fake.docx", _zip({"hello.txt": "hi"}), "not a Word document"),
    "fake docx (text)": ("text.docx", b"plain words", "not a readable .docx"),
    "docx with broken xml": (
        "xml.docx",
        _zip({"word/document.xml": "<w:document", "[Content_Types].xml": "<x"}),
        "not a readable .docx",
    ),
    "pdf named md": ("pdf.md", _PDF, "is a PDF file"),
    "unterminated front matter": ("fm1.md", "---\npacket: x\n## Resume\ntext\n", "no closing '---'"),
    "invalid yaml": ("fm2.md", "---\npacket: [oops\n---\ntext\n", "malformed YAML"),
    "front matter not a mapping": ("fm3.md", "---\n- a\n- b\n---\ntext\n", "must be a mapping"),
    "wrong field type": ("fm4.md", "---\ncandidate: [Ana, Bo]\n---\ntext\n", "'candidate' must be text"),
    "wrong key type": ("fm5.md", "---\npacket: {a: 1}\n---\ntext\n", "'packet' must be text"),
    "bad key": ("fm6.md", "---\npacket: ../../etc\n---\ntext\n", "packet key"),
    "yaml alias bomb": (
        "fm7.md",
        "---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n---\ntext\n",
        "too large",
    ),
    "unknown scenario": ("sc.md", "---\nscenario: astronaut-pm\n---\n## Resume\ntext\n", "unknown scenario"),
    "json wrong type": ("t.json", json.dumps({"text": 5}), "field 'text'"),
    "json unknown field": ("u.json", json.dumps({"text": "a", "vote": "hire"}), "field 'vote'"),
    "json syntax": ("s.json", '{"text": ', "not valid JSON"),
    "unsupported suffix": ("p.rtf", "{\\rtf1 hello}", "unsupported packet format"),
    "over the size limit": ("big.md", "## A\n" + "x" * (600 * 1024), "packet limit"),
}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def stored_db(tmp_path_factory) -> Path:
    """A database with one finished run, made once; tests copy it."""
    folder = tmp_path_factory.mktemp("db")
    db = folder / "committee.db"
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet
    from committee.store.runs import Store

    with Store(db) as store:
        start_run(store, prepare(read_packet(EXAMPLES / "strong-safety-pm.md")))
    return db


def _assert_one_clean_line(code: int, err: str, needle: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "error:" in lines[0]
    assert needle.lower() in lines[0].lower(), lines[0]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_packet_exits_2_and_no_database_is_created(monkeypatch, capsys, tmp_path, case):
    name, content, needle = CASES[case]
    packet = tmp_path / name
    packet.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    dbdir = tmp_path / "data"
    dbdir.mkdir()
    code, out, err = run_cli(monkeypatch, capsys, "review", str(packet), "--db", str(dbdir / "c.db"))
    _assert_one_clean_line(code, err, needle)
    assert out == ""
    assert list(dbdir.iterdir()) == []  # no database file, no WAL, nothing


@pytest.mark.parametrize(
    "case",
    [
        "empty",
        "binary junk",
        "truncated pdf",
        "fake docx (zip)",
        "invalid yaml",
        "unknown scenario",
        "json wrong type",
        "over the size limit",
    ],
)
def test_bad_packet_leaves_an_existing_database_byte_identical(monkeypatch, capsys, tmp_path, stored_db, case):
    name, content, needle = CASES[case]
    packet = tmp_path / name
    packet.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    dbdir = tmp_path / "data"
    dbdir.mkdir()
    shutil.copy(stored_db, dbdir / "c.db")
    before = snapshot(dbdir)
    # a good packet first: nothing is stored unless every packet is valid
    good = tmp_path / "good.md"
    good.write_text(GOOD)
    code, out, err = run_cli(monkeypatch, capsys, "review", str(good), str(packet), "--db", str(dbdir / "c.db"))
    _assert_one_clean_line(code, err, needle)
    assert snapshot(dbdir) == before


@pytest.mark.parametrize(
    "args, needle",
    [
        (["review", "{tmp}/missing.md"], "no such file"),
        (["review", "{tmp}"], "is a directory"),
        (["review", "{good}", "--max-bytes", "0"], "must be positive"),
        (["review", "{good}", "--max-bytes", "lots"], "not a size"),
        (["review", "{good}", "--max-bytes", "10"], "10-byte packet limit"),
        (["review", "{good}", "--scenario", "astronaut-pm"], "unknown scenario"),
    ],
)
def test_bad_paths_and_options(monkeypatch, capsys, tmp_path, args, needle):
    good = tmp_path / "good.md"
    good.write_text(GOOD)
    dbdir = tmp_path / "data"
    dbdir.mkdir()
    args = [a.format(tmp=tmp_path, good=good) for a in args]
    code, out, err = run_cli(monkeypatch, capsys, *args, "--db", str(dbdir / "c.db"))
    _assert_one_clean_line(code, err, needle)
    assert list(dbdir.iterdir()) == []


def test_max_bytes_env_var_applies_to_review(monkeypatch, capsys, tmp_path):
    good = tmp_path / "good.md"
    good.write_text(GOOD)
    monkeypatch.setenv("COMMITTEE_MAX_PACKET_BYTES", "16")
    code, out, err = run_cli(monkeypatch, capsys, "review", str(good), "--db", str(tmp_path / "c.db"))
    _assert_one_clean_line(code, err, "16-byte packet limit")
    assert not (tmp_path / "c.db").exists()


@pytest.mark.slow  # CLI processes
def test_real_process_prints_one_line_and_no_traceback(tmp_path):
    """The installed entry point, in a subprocess: stderr is exactly one line."""
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "COMMITTEE_DB")}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from committee.cli import main; main()",
            "review",
            str(junk),
            "--db",
            str(tmp_path / "c.db"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "not a readable PDF" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "c.db").exists()
