"""A whole class's download from the course platform, every hostile and messy case mixed in.

One zip (tests/hostile.py) graded in one command, as a teacher runs it: every honest capture
graded right, every odd file named with its reason, nothing written or read outside its place,
the names shown escaped everywhere and the grade books safe to open in a spreadsheet.
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
from hostile import EVIL_NAME, FORMULA_NAME, class_zip

from tcplab.names import shown

ROOT = Path(__file__).resolve().parent.parent
ROSTER = [
    {"name": "ani-budi", "students": [{"name": "Ani Lestari", "id": "ani@kampus.ac.id"},
                                      {"name": "Budi Santoso", "id": "budi@kampus.ac.id"}]},
    {"name": "citra-dewi", "students": ["Citra Ayu", "Dewi Sari"]},
    {"name": "eka-fajar", "students": ["Eka Putra", {"name": "Fajar", "id": 2301}]},
    {"name": "gita-hadi", "students": ["Gita Hadi"]},
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Graded:
    def __init__(self, root: Path, names: dict[str, str], done: subprocess.CompletedProcess,
                 before: list[str]) -> None:
        self.root, self.names, self.done, self.before = root, names, done, before
        self.out = root / "kelas-a-graded"
        self.report = json.loads((self.out / "report.json").read_text(encoding="utf-8"))

    def csv(self, name: str) -> list[dict[str, str]]:
        with (self.out / name).open(encoding="utf-8", newline="") as table:
            return list(csv.DictReader(table))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    root = tmp_path_factory.mktemp("hostile")
    plan = class_plan(root / "captures", ROSTER, ports={"reqresp": 2222, "upcall": 4141})
    plan_path = write_plan(plan, root / "plan.json")
    names = class_zip(plan, root / "kelas-a.zip")
    before = sorted(os.listdir(root))
    done = subprocess.run([sys.executable, "-m", "tcplab", "grade", str(root / "kelas-a.zip"),
                           "--plan", str(plan_path)], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    return Graded(root, names, done, before)


def test_one_command_grades_the_whole_download(graded: Graded) -> None:
    assert graded.done.returncode == 0, graded.done.stderr
    assert "Traceback" not in graded.done.stderr + graded.done.stdout
    assert sorted(os.listdir(graded.root)) == sorted([*graded.before, "kelas-a-graded"])


def test_every_honest_capture_is_graded_right(graded: Graded) -> None:
    rows = {(r["pair"], r["scenario"]): r for r in graded.csv("grades.csv")}
    verdicts = {key: (row["verdict"], row["answered"]) for key, row in rows.items()
                if key[0] in {entry["name"] for entry in ROSTER}}
    assert verdicts == {
        ("ani-budi", "reqresp"): ("complete", "3/3"),  # pcapng with 2,500 packets of a laptop
        ("ani-budi", "upcall"): ("complete", "3/3"),  # .pcap.gz, read as the capture inside
        ("citra-dewi", "reqresp"): ("complete", "3/3"),  # the third attempt in the file
        ("citra-dewi", "upcall"): ("complete", "3/3"),  # the same file
        ("eka-fajar", "reqresp"): ("complete", "3/3"),  # a name that is not UTF-8
        ("eka-fajar", "upcall"): ("missing", ""),
        ("gita-hadi", "reqresp"): ("complete", "3/3"),  # a zip the student made, inside
        ("gita-hadi", "upcall"): ("incomplete", "3/3")}  # cut short by 30 bytes
    assert "file truncated" in rows[("gita-hadi", "upcall")]["reasons"]
    verdicts = {v["pair"]: v["verdict"] for v in graded.report["pair_verdicts"]}
    assert verdicts == {"ani-budi": "complete", "citra-dewi": "complete",
                        "eka-fajar": "incomplete", "gita-hadi": "incomplete",
                        shown(graded.names["iwan evil"]): "incomplete",
                        shown(FORMULA_NAME): "incomplete"}
    assert graded.report["scenarios"] == ["reqresp", "upcall"]  # no "unknown" column


def test_attempts_and_both_scenarios_in_one_file(graded: Graded) -> None:
    captures = {(c["pair"], c["scenario"]): c for c in graded.report["captures"]}
    reqresp = captures[("citra-dewi", "reqresp")]
    assert reqresp["submission"]["file"] == graded.names["citra both"]
    note = next(n for n in reqresp["notes"] if "other attempt" in n)
    assert note.startswith("2 other attempt(s) of this pair at this scenario, not counted: ")
    assert "packets 603-612: its messages belong to no pair: 'salah ketik'" in note
    assert "packets 302-303: no SYN, ACK from the server" in note  # refused: the server was late
    assert captures[("citra-dewi", "upcall")]["submission"]["file"] == graded.names["citra both"]
    ani = captures[("ani-budi", "reqresp")]
    assert ani["submission"]["owner_from"] == "submitter"
    assert ani["submission"]["submitter"] == {"name": "Ani Lestari", "number": "100001",
                                              "platform": "moodle"}
    assert any("other TCP conversation" in n for n in ani["notes"])
    assert any("not TCP" in n for n in ani["notes"])  # DNS, QUIC, ICMP, ESP, IPv6 options


def test_every_odd_file_is_named_with_its_reason(graded: Graded) -> None:
    reasons = {item["file"]: item["reason"] for item in graded.report["not_graded"]}
    names = graded.names
    expected = {
        names["ani pdf"]: "(starts with bytes 25504446: PDF)",
        names["citra thumbs"]: "OLE (Office 97, Thumbs.db)",
        names["joko junk"]: "not a pcap or pcapng capture",
        names["joko web"]: "no conversation on a scenario's server port (2222 (reqresp), "
                           "4141 (upcall))",
        names["slip"]: "its path leaves the zip's folder",
        names["absolute"]: "its path leaves the zip's folder",
        names["link"]: "a symbolic link inside the zip: not unpacked",
        names["encrypted"]: "encrypted (a zip with a password): not unpacked",
        names["bomb"]: "bytes a hand-in may have: not unpacked",
        names["gita zip"] + "/lagi.zip": "a zip inside a zip of the hand-ins: not opened",
        names["iwan formula"]: "not a pcap or pcapng capture (starts with bytes 3d636d64: "
                               "ASCII)",
    }
    assert {shown(name) for name in expected} <= set(reasons), sorted(reasons)
    for name, reason in expected.items():
        assert reason in reasons[shown(name)], (name, reasons[shown(name)])
    summary = (graded.out / "summary.txt").read_text(encoding="utf-8")
    assert f"Not graded: {len(reasons)} file(s) that count for no pair" in summary


def test_nothing_is_written_outside_the_output_folder(graded: Graded) -> None:
    handins = graded.out / "handins"
    for folder, _, files in os.walk(graded.out):
        for name in files:
            path = Path(folder) / name
            assert not path.is_symlink()
            assert Path(os.path.realpath(path)).is_relative_to(graded.out)
    assert not (graded.root.parent / "escape.pcap").exists()
    assert not Path("/etc/cron.d/tcplab.pcap").exists()
    extracted = sorted(p.name for p in handins.rglob("*") if p.is_file())
    assert "caf_.pcap" in extracted and "gita-hadi-tcp.pcap" in extracted
    assert not any(name in extracted for name in ("besar.pcap", "rahasia.pcap", "tautan.pcap"))


def test_names_are_shown_escaped_everywhere(graded: Graded) -> None:
    evil = shown(graded.names["iwan evil"])
    assert evil.endswith("evil\\n ani-budi reqresp complete\\x1b[2J\\u202e.pcap")
    cafe = shown(graded.names["eka cafe"])
    assert cafe.endswith("caf\\xe9.pcap")
    outputs = {name: (graded.out / name).read_text(encoding="utf-8")
               for name in ("summary.txt", "report.md", "report.html", "grades.csv",
                            "gradebook.csv")}
    outputs["terminal"] = graded.done.stdout + graded.done.stderr
    for where, text in outputs.items():
        assert "\x1b" not in text and "\u202e" not in text and "\udce9" not in text, where
        assert "complete\x1b" not in text
    assert evil in outputs["summary.txt"] and evil in outputs["terminal"]
    summary_lines = outputs["summary.txt"].splitlines()
    assert not any(line.startswith(" ani-budi reqresp complete") for line in summary_lines)
    ladder = next(c["files"]["ladder_svg"] for c in graded.report["captures"]
                  if c["pair"] == evil)
    svg = (graded.out / ladder).read_text(encoding="utf-8")
    assert "\x1b" not in svg and "\u202e" not in svg and "evil\\n ani-budi" in svg


def test_grade_books_are_safe_to_open_in_a_spreadsheet(graded: Graded) -> None:
    for name in ("grades.csv", "gradebook.csv"):
        for row in graded.csv(name):
            for value in row.values():
                assert not value.startswith(FORMULA_STARTS), (name, value)
    formula = next(r for r in graded.csv("grades.csv") if "HYPERLINK" in r["pair"])
    assert formula["pair"] == "'" + shown(FORMULA_NAME)


def test_gradebook_has_one_row_per_student(graded: Graded) -> None:
    rows = graded.csv("gradebook.csv")
    assert list(rows[0]) == ["student", "identifier", "platform_id", "pair", "grade", "reqresp",
                             "upcall", "feedback", "files"]
    by_student = {r["student"]: (r["identifier"], r["platform_id"], r["pair"], r["grade"])
                  for r in rows}
    assert by_student == {
        "Ani Lestari": ("ani@kampus.ac.id", "100001", "ani-budi", "100"),
        "Budi Santoso": ("budi@kampus.ac.id", "", "ani-budi", "100"),
        "Citra Ayu": ("", "100003", "citra-dewi", "100"),
        "Dewi Sari": ("", "", "citra-dewi", "100"),
        "Eka Putra": ("", "100005", "eka-fajar", "50"),
        "Fajar": ("2301", "", "eka-fajar", "50"),
        "Gita Hadi": ("", "100007", "gita-hadi", "50"),
        "Iwan Jaya": ("", "100009", "", "0"),
        "Joko Kurnia": ("", "100011", "", "0")}
    eka = next(r for r in rows if r["student"] == "Eka Putra")
    assert (eka["reqresp"], eka["upcall"]) == ("complete", "missing")
    assert eka["feedback"] == "reqresp: complete / upcall: missing"
    iwan = next(r for r in rows if r["student"] == "Iwan Jaya")
    assert iwan["feedback"] == "no capture handed in by this student could be matched to a pair"
