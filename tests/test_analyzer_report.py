"""The class report: CLI behaviour, report.json schema, report.md, report.html content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from analyzer_cases import UPCALL, manifest_capture, reqresp_flow, upcall_flow, write_run

from tcplab import craft
from tcplab.formats.scenarios import COURSE_FILE, course_scenarios
from tcplab.render.document import REPORT_SCHEMA
from tcplab.cli import report as main

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ["hello", "<b>bold</b> & co"]


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tcplab", "report", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    """Two pairs x two scenarios; p02's upcall pcap is not a capture; p03 has none at all."""
    root = tmp_path / "20261121T172300Z"
    captures = []
    for pair in ("p01", "p02"):
        (root / pair).mkdir(parents=True)
        for scenario, flow in (("reqresp", reqresp_flow(MESSAGES)),
                               ("upcall", upcall_flow(MESSAGES))):
            craft.write_pcap(root / pair / f"{scenario}.pcap", flow.frames)
            (root / pair / f"{scenario}.server.log").write_text("Received from client: hello\n")
            (root / pair / f"{scenario}.client.log").write_text("hello\n")
            captures.append(manifest_capture(pair, scenario, MESSAGES))
    (root / "p02" / "upcall.pcap").write_text("<html>not a capture</html>")
    write_run(root, captures, ["p01", "p02", "p03"])
    return root


def test_cli_writes_the_report_and_ends_with_the_summary(run_folder: Path) -> None:
    done = _cli(str(run_folder))
    assert done.returncode == 0, done.stderr
    summary = (f"Run 20261121T172300Z: 2 pair(s) x 2 scenario(s), 4 of 4 captures ok\n"
               f"pair  scenario   packets  answered  status\n"
               f"p01   reqresp          0       2/2  ok\n"
               f"p01   upcall           0       2/2  ok\n"
               f"p02   reqresp          0       2/2  ok\n"
               f"p02   upcall           0       2/2  ok\n"
               f"Report: {run_folder / 'report.html'}\n"
               f"Run folder: {run_folder}\n")
    assert done.stdout == "4 captures: 3 complete, 0 incomplete, 1 unreadable\n" + summary
    assert (run_folder / "summary.txt").read_text(encoding="utf-8") == summary
    assert done.stderr == ("error: p02/upcall.pcap: not a pcap or pcapng capture (starts with "
                           "bytes 3c68746d: HTML)\n")
    for name in ("report.html", "report.md", "report.json", "ladders/p01/upcall.svg"):
        assert (run_folder / name).is_file()


def test_report_json_schema(run_folder: Path) -> None:
    assert main([str(run_folder)]) == 0
    document = json.loads((run_folder / "report.json").read_text())
    assert document["schema"] == REPORT_SCHEMA
    assert set(document) == {"schema", "generated", "tool", "language", "source", "pairs",
                             "scenarios", "class", "summary", "pair_verdicts", "files",
                             "captures", "not_graded"}
    assert document["class"] == ["p01", "p02", "p03"]  # the pairs the run lists
    assert document["source"]["plan"] is None  # no students' captures graded against a plan
    assert document["language"] == "en"
    assert document["files"] == {"grades": "grades.csv", "summary": "summary.txt",
                                 "gradebook": None}
    assert document["not_graded"] == []
    assert document["source"]["run_id"] == "20261121T172300Z"
    assert document["pairs"] == ["p01", "p02", "p03"]
    assert document["scenarios"] == ["reqresp", "upcall"]
    assert document["summary"]["captures"] == 4 and document["summary"]["complete"] == 3
    assert document["pair_verdicts"] == [
        {"pair": "p01", "verdict": "complete", "reasons": []},
        {"pair": "p02", "verdict": "incomplete", "reasons": [
            "upcall: p02/upcall.pcap: not a pcap or pcapng capture (starts with bytes 3c68746d: HTML)"]},
        {"pair": "p03", "verdict": "incomplete", "reasons": ["reqresp: no capture",
                                                             "upcall: no capture"]}]
    capture = document["captures"][1]
    assert (capture["pair"], capture["scenario"], capture["verdict"]) == ("p01", "upcall",
                                                                          "complete")
    assert (capture["source"], capture["submission"]) == ("manifest", None)
    assert capture["phases"]["text"] == "handshake 1-3, data 4-11, termination 12-14"
    assert capture["phases"]["explanation"] == [
        "Rows 1-3: the three-way handshake opens the connection: the client asks (SYN), the "
        "server agrees (SYN, ACK), the client confirms (ACK).",
        "Rows 4-11: the data exchange: the client sends 2 message(s), the server answers with 2 "
        "reply(ies), and each side acknowledges (ACK) what it received.",
        "Rows 12-14: the three-way termination: the client asks to close the connection (FIN, "
        "row 12), and in row 13 the server agrees (FIN)."]
    assert capture["conversation"]["client"] == {"address": "10.213.1.3", "port": 42476}
    assert capture["handshake"]["complete"] is True
    assert capture["segments"][3] == {
        "no": 4, "time": capture["segments"][3]["time"], "dir": "C>S", "flags": "PSH, ACK",
        "seq": 1, "ack": 1, "len": 6, "win": 502, "phase": "data", "payload": "hello\\n",
        "notes": []}
    assert capture["exchanges"][1]["reply"]["text"] == UPCALL.reply(MESSAGES[1])
    assert capture["exchanges"][1]["reply_ok"] is True
    assert capture["exchanges"][0]["rtt_ms"] == pytest.approx(0.15, abs=0.002)
    assert capture["teardown"]["closed_first"] == "client"
    assert capture["answered"] == {"replies": 2, "messages": 2}
    assert capture["signature"]["matches"] is True
    assert capture["files"] == {"pcap": "p01/upcall.pcap", "pcap_link": "p01/upcall.pcap",
                                "server_log": "p01/upcall.server.log",
                                "client_log": "p01/upcall.client.log",
                                "ladder_svg": "ladders/p01/upcall.svg",
                                "ladder_png": "ladders/p01/upcall.png",
                                "annotated": "p01/upcall.annotated.pcapng"}
    bad = document["captures"][3]
    assert bad["verdict"] == "unreadable" and bad["segments"] == [] and bad["phases"] is None
    assert bad["answered"] == {"replies": 0, "messages": 2}


def test_out_dir_links_point_back_to_the_run(run_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "report"
    done = _cli(str(run_folder), "--out", str(out))
    assert done.returncode == 0
    assert done.stdout.splitlines()[-2:] == [f"Report: {out / 'report.html'}",
                                             f"Run folder: {run_folder}"]
    assert (out / "summary.txt").read_text().splitlines()[-2:] == done.stdout.splitlines()[-2:]
    assert not (run_folder / "report.html").exists()
    assert not (run_folder / "summary.txt").exists()
    document = json.loads((out / "report.json").read_text())
    for capture in document["captures"]:
        for key in ("pcap_link", "server_log", "client_log", "ladder_svg", "ladder_png"):
            assert (out / capture["files"][key]).resolve().is_file(), (key, capture["files"])


def test_markdown_has_the_matrix_and_the_phases(run_folder: Path) -> None:
    main([str(run_folder)])
    text = (run_folder / "report.md").read_text()
    assert "| pair | reqresp | upcall | pair verdict |" in text
    assert "| p03 | — | — | incomplete |" in text
    assert "[diagram](ladders/p01/reqresp.svg)" in text
    assert "Phases: handshake 1-3, data 4-11, termination 12-14" in text
    assert "'\\<b\\>bold\\</b\\> & co'" in text


def test_html_is_escaped_and_links_every_file(run_folder: Path) -> None:
    main([str(run_folder)])
    html = (run_folder / "report.html").read_text()
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    for link in ('href="#cap-p01-reqresp"', 'href="ladders/p01/reqresp.svg"',
                 'href="p01/reqresp.server.log"', 'href="p01/reqresp.client.log"',
                 'href="p01/reqresp.pcap"'):
        assert link in html
    assert html.count("<svg ") == 4


def test_folder_of_pcaps_without_manifest_infers_scenarios(tmp_path: Path) -> None:
    folder = tmp_path / "student"
    folder.mkdir()
    craft.write_pcap(folder / "tcp.pcap", reqresp_flow(["hi"]).frames)
    craft.write_pcapng(folder / "callback.pcapng", upcall_flow(["hi"]).frames)
    (folder / "truncated.pcap").write_bytes(
        craft.write_pcap(folder / "t", reqresp_flow(["x"], port=2222).frames).read_bytes()[:40])
    (folder / "t").unlink()
    done = _cli(str(folder))
    assert done.returncode == 0
    document = json.loads((folder / "report.json").read_text())
    assert document["source"]["manifest"] is False
    assert "inferred from ports" in document["source"]["notes"][0]
    by_name = {c["files"]["pcap"]: c for c in document["captures"]}
    assert by_name["tcp.pcap"]["scenario"] == "reqresp"
    assert by_name["tcp.pcap"]["verdict"] == "complete"
    assert by_name["callback.pcapng"]["scenario"] == "upcall"
    assert by_name["callback.pcapng"]["source"] == "inferred"
    assert "scenario upcall inferred from server port 4141" in by_name["callback.pcapng"]["notes"]
    assert by_name["callback.pcapng"]["pair"] == "student"
    cut = by_name["truncated.pcap"]
    assert cut["verdict"] == "incomplete"
    assert cut["error"].startswith("truncated.pcap: truncated: file ends inside packet record 1")


def test_without_a_manifest_the_course_scenarios_are_the_collections(tmp_path: Path) -> None:
    """A folder with no manifest is read against the collection's own scenarios.yml - no second
    list in code: a capture on the loss scenario's port is that scenario, and without the
    retransmission it is there for it is incomplete."""
    collection = ROOT / "collections/ansible_collections/tcplab/lab/roles/lab_plan/defaults/main"
    assert COURSE_FILE.resolve() == (collection / "scenarios.yml").resolve()
    defined = yaml.safe_load((collection / "scenarios.yml").read_text())["lab_scenarios"]
    assert {name: (spec.port, spec.reply_format) for name, spec in course_scenarios().items()} == {
        name: (spec["port"], spec["reply_format"]) for name, spec in defined.items()}
    folder = tmp_path / "student"
    folder.mkdir()
    craft.write_pcap(folder / "lossy.pcap", reqresp_flow(["hi"], port=2223).frames)
    assert _cli(str(folder)).returncode == 0
    capture, = json.loads((folder / "report.json").read_text())["captures"]
    assert capture["scenario"] == "reqresp-loss"
    assert "scenario reqresp-loss inferred from server port 2223" in capture["notes"]
    assert capture["verdict"] == "incomplete"
    assert any("retransmission" in reason for reason in capture["reasons"]), capture["reasons"]


def test_usage_errors_exit_non_zero(tmp_path: Path) -> None:
    missing = _cli(str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    file = tmp_path / "x.pcap"
    file.write_bytes(b"")
    not_dir = _cli(str(file))
    assert not_dir.returncode == 2 and "not a folder" in not_dir.stderr
    # No folder given, and no latest run where it is asked (an empty folder): a usage error.
    assert _cli(cwd=tmp_path).returncode == 2


def test_broken_manifest_falls_back_to_the_files(run_folder: Path) -> None:
    (run_folder / "manifest.json").write_text("{not json")
    assert main([str(run_folder)]) == 0
    document = json.loads((run_folder / "report.json").read_text())
    assert document["source"]["manifest"] is False
    assert document["source"]["notes"][0].startswith("manifest.json is unreadable")
    assert document["summary"]["captures"] == 4


def test_missing_pcap_is_reported_and_the_rest_goes_on(run_folder: Path) -> None:
    (run_folder / "p01" / "reqresp.pcap").unlink()
    assert main([str(run_folder)]) == 0
    document = json.loads((run_folder / "report.json").read_text())
    gone = document["captures"][0]
    assert (gone["verdict"], gone["error"]) == ("unreadable", "p01/reqresp.pcap: file not found")
    assert gone["files"]["pcap_link"] is None
    assert [c["verdict"] for c in document["captures"][1:]] == ["complete", "complete",
                                                                "unreadable"]
    html = (run_folder / "report.html").read_text()
    assert '<span class="nolink" title="file not found">no pcap</span>' in html
