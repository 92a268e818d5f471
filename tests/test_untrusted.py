"""Names, output files and folders of hand-ins as hostile input: shown escaped, never followed.

Real files, links, pipes and folders made here; grading run as the teacher runs it.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from handin import class_plan, write_plan
from hostile import lab_frames, pcap

from tcplab.names import csv_cell, shown
from tcplab.output import Output, OutputError

ROOT = Path(__file__).resolve().parent.parent


# --- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("tcp.pcap", "tcp.pcap"),
    ("caf\udce9.pcap", "caf\\xe9.pcap"),  # a byte that is not UTF-8, as the file system gives it
    ("a\nb\rc\td", "a\\nb\\rc\\td"),
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
    ("x\u202egnp.exe", "x\\u202egnp.exe"),  # right-to-left override
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("back\\slash", "back\\\\slash"),
    ("Ani Lestari – tugas ✓.pcapng", "Ani Lestari – tugas ✓.pcapng"),  # visible Unicode stays
])
def test_a_name_is_shown_as_one_line_of_visible_characters(name: str, expected: str) -> None:
    assert shown(name) == expected


def test_a_very_long_name_is_shortened_in_its_middle() -> None:
    long = "a" * 300 + "-tail.pcap"
    assert len(shown(long)) == 160 and shown(long).endswith("-tail.pcap") and "…" in shown(long)


@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)",
                                                                              "'@SUM(A1)"),
    ("\tx", "\\tx"), ("ani-budi", "ani-budi"), (100, "100"), ("", ""),
])
def test_a_csv_cell_never_starts_a_formula(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


# --- output ---------------------------------------------------------------------------------------

def test_output_replaces_a_planted_link_and_never_writes_through_it(tmp_path: Path) -> None:
    teacher = tmp_path / "teacher.txt"
    teacher.write_text("the teacher's own file\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").symlink_to(teacher)
    Output(out).write_text(("report.html",), "<html></html>")
    assert teacher.read_text(encoding="utf-8") == "the teacher's own file\n"
    assert not (out / "report.html").is_symlink()
    (out / "ladders").symlink_to(tmp_path)
    with pytest.raises(OutputError, match="in the way of the report"):
        Output(out).write_text(("ladders", "p01", "reqresp.svg"), "<svg/>")
    assert not (tmp_path / "p01").exists()
    with pytest.raises(OutputError, match="not a plain file name"):
        Output(out).write_text(("..", "escape.txt"), "x")


# --- a folder of hand-ins -----------------------------------------------------------------------

@pytest.fixture
def lab(tmp_path: Path) -> tuple[dict, Path]:
    plan = class_plan(tmp_path / "captures", [{"name": "ani-budi"}, {"name": "citra-dewi"}],
                      ports={"reqresp": 2222, "upcall": 4141})
    return plan, write_plan(plan, tmp_path / "plan.json")


def _grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tcplab", "grade", *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=300)


def test_a_folder_with_links_pipes_and_planted_outputs(tmp_path: Path, lab) -> None:
    plan, plan_path = lab
    folder = tmp_path / "kiriman"
    folder.mkdir()
    (folder / "ani-budi-tcp.pcap").write_bytes(pcap(lab_frames(plan, "ani-budi", "reqresp",
                                                               1763745781.0, 42476)))
    (folder / "citra-dewi-tcp.pcap").symlink_to("/etc/passwd")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "citra-dewi-upcall.pcap").write_bytes(pcap(lab_frames(
        plan, "citra-dewi", "upcall", 1763745790.0, 42480)))
    (folder / "dari-citra").symlink_to(outside, target_is_directory=True)
    os.mkfifo(folder / "ani-budi-upcall.pcap")
    teacher = tmp_path / "nilai-lama.csv"
    teacher.write_text("keep me\n", encoding="utf-8")
    (folder / "report.html").symlink_to(teacher)
    (folder / "ladders").symlink_to(tmp_path)
    before = {path: os.lstat(path).st_mtime_ns for path in folder.iterdir()}
    done = _grade(str(folder), "--plan", str(plan_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [  # named for a pair and a scenario: that pair's, unread
        "error: ani-budi-upcall.pcap: not a regular file (a pipe, socket or device): not read",
        "error: citra-dewi-tcp.pcap: a symbolic link (to /etc/passwd): not followed, nothing "
        "outside the hand-ins is read"]
    assert {path: os.lstat(path).st_mtime_ns for path in folder.iterdir()} == before
    assert teacher.read_text(encoding="utf-8") == "keep me\n"
    out = tmp_path / "kiriman-graded"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    reasons = {item["file"]: item["reason"] for item in report["not_graded"]}
    assert sorted(reasons) == ["dari-citra", "ladders", "report.html"]
    assert reasons["dari-citra"] == (f"a symbolic link (to {outside}): not followed, nothing "
                                     "outside the hand-ins is read")
    assert reasons["report.html"] == (f"a symbolic link (to {teacher}): not followed, nothing "
                                      "outside the hand-ins is read")
    with (out / "grades.csv").open(encoding="utf-8", newline="") as table:
        rows = {(r["pair"], r["scenario"]): r["verdict"] for r in csv.DictReader(table)}
    assert rows == {("ani-budi", "reqresp"): "complete", ("ani-budi", "upcall"): "unreadable",
                    ("citra-dewi", "reqresp"): "unreadable", ("citra-dewi", "upcall"): "missing"}


def test_the_report_is_never_written_into_the_hand_ins(tmp_path: Path, lab) -> None:
    _, plan_path = lab
    folder = tmp_path / "kiriman"
    (folder / "sub").mkdir(parents=True)
    for out in (folder, folder / "sub", folder / "new"):
        done = _grade(str(folder), "--plan", str(plan_path), "--out", str(out), cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr.startswith(f"error: --out {out}: inside the hand-ins; the report is "
                                      "written beside them, never into them")
    assert sorted(os.listdir(folder)) == ["sub"]
    busy = tmp_path / "tugas-lain"
    busy.mkdir()
    (busy / "penting.txt").write_text("x", encoding="utf-8")
    done = _grade(str(folder), "--plan", str(plan_path), "--out", str(busy), cwd=tmp_path)
    assert done.returncode == 2 and "a folder that holds other files" in done.stderr
    again = tmp_path / "hasil"
    for _ in range(2):  # a folder grading made is its own to write again
        assert _grade(str(folder), "--plan", str(plan_path), "--out", str(again),
                      cwd=tmp_path).returncode == 0


def test_a_file_name_with_bytes_that_are_not_utf8(tmp_path: Path, lab) -> None:
    plan, plan_path = lab
    folder = tmp_path / "kiriman"
    folder.mkdir()
    name = os.fsencode(folder) + b"/ani-budi-caf\xe9.pcap"
    with open(name, "wb") as out:
        out.write(pcap(lab_frames(plan, "ani-budi", "reqresp", 1763745781.0, 42476)))
    done = _grade(str(folder), "--plan", str(plan_path), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert "ani-budi-caf\\xe9.pcap" in done.stdout
    out = tmp_path / "kiriman-graded"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["captures"][0]["submission"]["file"] == "ani-budi-caf\\xe9.pcap"
    assert report["captures"][0]["verdict"] == "complete"
    assert "ani-budi-caf\\xe9.pcap" in (out / "report.md").read_text(encoding="utf-8")


def test_the_report_reads_any_folder_of_captures_safely(tmp_path: Path, lab) -> None:
    """make report on a folder a student sent: a name that is not UTF-8, a link, gzip."""
    import gzip
    plan, _ = lab
    folder = tmp_path / "dari-siswa"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/reqresp-caf\xe9.pcap", "wb") as out:
        out.write(pcap(lab_frames(plan, "ani-budi", "reqresp", 1763745781.0, 42476)))
    (folder / "upcall.pcap.gz").write_bytes(gzip.compress(pcap(lab_frames(
        plan, "ani-budi", "upcall", 1763745790.0, 42480))))
    (folder / "passwd.pcap").symlink_to("/etc/passwd")
    done = subprocess.run([sys.executable, "-m", "tcplab", "report", str(folder)], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "error: passwd.pcap: a symbolic link: not followed (hand in the " \
                          "capture itself)\n"
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    verdicts = {c["files"]["pcap"]: (c["scenario"], c["verdict"]) for c in report["captures"]}
    assert verdicts == {"reqresp-caf\\xe9.pcap": ("reqresp", "complete"),
                        "upcall.pcap.gz": ("upcall", "complete"),
                        "passwd.pcap": ("unknown", "unreadable")}
    assert {v["pair"]: v["verdict"] for v in report["pair_verdicts"]} == {
        "dari-siswa": "incomplete"}  # incomplete for the unreadable file, not for "unknown"
    assert not any("no capture" in r for v in report["pair_verdicts"] for r in v["reasons"])
