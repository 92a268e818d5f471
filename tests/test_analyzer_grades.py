"""grades.csv of a real run folder (the lab programs captured by tcpdump), read with csv."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from analyzer_cases import reqresp_flow
from analyzer_loopback import can_capture, write_lab_run

from tcplab import craft

ROOT = Path(__file__).resolve().parent.parent
NO_CAPTURE = can_capture()
COLUMNS = ["pair", "scenario", "verdict", "answered", "reasons", "pcap", "ladder_svg",
           "ladder_png", "server_log", "client_log"]
MESSAGES = ["hello", "selamat pagi ✓"]


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """p01 and p02 run both scenarios; p02's reqresp client stops after one of two messages;
    p03 is in the class but has no capture."""
    if NO_CAPTURE is not None:
        pytest.skip(NO_CAPTURE)
    root = tmp_path_factory.mktemp("captures") / "20261122T101500Z"
    return write_lab_run(root, [
        ("p01", "reqresp", MESSAGES, MESSAGES),
        ("p01", "upcall", MESSAGES, MESSAGES),
        ("p02", "reqresp", ["hello"], ["hello", "bye"]),
        ("p02", "upcall", MESSAGES, MESSAGES),
    ], pairs=["p01", "p02", "p03"])


def _report(run: Path, out: Path, language: str) -> tuple[list[dict[str, str]], dict, dict]:
    done = subprocess.run([sys.executable, "-m", "tcplab", "report", str(run), "--out", str(out),
                           "--language", language], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    with (out / "grades.csv").open(encoding="utf-8", newline="") as grades:
        reader = csv.DictReader(grades)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return rows, manifest, report


def test_grades_match_the_manifest_and_the_report(lab_run: Path, tmp_path: Path) -> None:
    rows, manifest, report = _report(lab_run, tmp_path, "en")
    assert [(r["pair"], r["scenario"]) for r in rows] == [
        (p, s) for p in ("p01", "p02", "p03") for s in ("reqresp", "upcall")]
    by_key = {(c["pair"], c["scenario"]): c for c in report["captures"]}
    for record in manifest["captures"]:
        row = rows[[(r["pair"], r["scenario"]) for r in rows].index(
            (record["pair"], record["scenario"]))]
        capture = by_key[(record["pair"], record["scenario"])]
        # the analyzer, reading the pcap, agrees with what the client itself printed
        assert row["answered"] == f"{record['answered']}/{len(record['messages'])}"
        assert row["verdict"] == capture["verdict"]
        assert row["verdict"] == ("complete" if record["status"] == "ok" else "incomplete")
        assert row["reasons"] == "; ".join(capture["reasons"])
        for column, key in (("pcap", "pcap"), ("server_log", "server_log"),
                            ("client_log", "client_log")):
            assert (tmp_path / row[column]).resolve() == (lab_run / record["files"][key]).resolve()
        for suffix in ("svg", "png"):
            assert row[f"ladder_{suffix}"] == \
                f"ladders/{record['pair']}/{record['scenario']}.{suffix}"
            assert (tmp_path / row[f"ladder_{suffix}"]).is_file()
    assert rows[2]["answered"] == "1/2"
    assert rows[2]["reasons"] == ("message 2 was not sent (manifest: 'bye'); reply 2 is missing "
                                  "(expected 'bye')")
    assert [r["verdict"] for r in rows] == ["complete", "complete", "incomplete", "complete",
                                           "missing", "missing"]
    assert rows[4] == {**dict.fromkeys(COLUMNS, ""), "pair": "p03", "scenario": "reqresp",
                       "verdict": "missing", "reasons": "no capture"}


def test_grades_are_linked_from_the_report_and_written_in_its_language(lab_run: Path,
                                                                       tmp_path: Path) -> None:
    rows, _, report = _report(lab_run, tmp_path, "id")
    assert report["files"]["grades"] == "grades.csv"
    assert rows[2]["reasons"] == ("pesan 2 tidak dikirim (manifest: 'bye'); balasan 2 tidak ada "
                                  "(seharusnya 'bye')")
    assert rows[4]["reasons"] == "tidak ada capture"
    assert [r["verdict"] for r in rows][:4] == ["complete", "complete", "incomplete", "complete"]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'Daftar nilai: <a href="grades.csv">grades.csv</a>' in html
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Daftar nilai: [grades.csv](grades.csv)" in markdown


def test_a_folder_without_manifest_gets_grades_of_what_the_client_sent(lab_run: Path,
                                                                       tmp_path: Path) -> None:
    """tcp.pcap on port 2222 is reqresp; a capture on another port has no reply rule."""
    student = tmp_path / "student"
    student.mkdir()
    craft.write_pcap(student / "tcp.pcap", reqresp_flow(["a", "b", "c"]).frames)
    (student / "other.pcap").write_bytes((lab_run / "p02" / "reqresp.pcap").read_bytes())
    done = subprocess.run([sys.executable, "-m", "tcplab", "report", str(student)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with (student / "grades.csv").open(encoding="utf-8", newline="") as grades:
        rows = list(csv.DictReader(grades))
    assert [(r["pair"], r["scenario"], r["verdict"], r["answered"], r["pcap"]) for r in rows] == [
        ("student", "unknown", "complete", "", "other.pcap"),
        ("student", "reqresp", "complete", "3/3", "tcp.pcap")]
    assert not (student / "summary.txt").exists()
