"""The lab_collect modules' judgement: when a capture is ok, and what the manifest lists."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROLE = Path(__file__).resolve().parent.parent / "roles" / "lab_collect"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# Ansible puts a role's module_utils under ansible.module_utils when it runs the role's modules.
load("ansible.module_utils.lab_files", ROLE / "module_utils" / "lab_files.py")
record = load("lab_record", ROLE / "library" / "lab_record.py")
manifest = load("lab_manifest", ROLE / "library" / "lab_manifest.py")

SPEC = {"port": 4141, "reply_format": "Upcall event: Processing {message}"}
COUNTS = {"captured": 14, "received_by_filter": 14, "dropped_by_kernel": 0}


def params(tmp_path, **changes):
    pcap = tmp_path / "upcall.pcap"
    pcap.write_bytes(b"pcap bytes")
    base = {
        "pair": "p01", "scenario": "upcall", "spec": SPEC, "messages": ["1", "two\nlines"],
        "started": "2026-11-21T00:00:00Z", "error": "",
        "client": {"ran": True, "rc": 0, "host": "c", "address": "10.0.0.3",
                   "stdout": "Connected\nReceived upcall from server: Upcall event: Processing 1\n"
                             "Received upcall from server: Upcall event: Processing two\nlines"},
        "server": {"ran": True, "finished": True, "rc": 0, "host": "s", "address": "10.0.0.2"},
        "capture": {"interface": "br-1", "counts": dict(COUNTS), "sha256": record.sha256(str(pcap))},
    }
    for key, value in changes.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) else value
    return base, str(pcap)


def test_complete_exchange_is_ok_and_counts_multiline_replies(tmp_path):
    p, pcap = params(tmp_path)
    result = record.judge(p, pcap)
    assert (result["status"], result["reasons"], result["answered"]) == ("ok", [], 2)
    assert result["expected_replies"] == ["Upcall event: Processing 1", "Upcall event: Processing two\nlines"]


def test_kernel_drops_fail_the_capture(tmp_path):
    p, pcap = params(tmp_path, capture={"counts": {**COUNTS, "dropped_by_kernel": 3}})
    assert record.judge(p, pcap)["reasons"] == ["tcpdump: 3 packets dropped by the kernel"]


def test_shortfall_fails_the_capture_on_a_bridge_but_not_loopbacks_double_count(tmp_path):
    p, pcap = params(tmp_path, capture={"counts": {**COUNTS, "received_by_filter": 28}})
    assert record.judge(p, pcap)["reasons"] == ["tcpdump captured 14 of the 28 packets its filter received"]
    p, pcap = params(tmp_path, capture={"interface": "lo", "counts": {**COUNTS, "received_by_filter": 28}})
    assert record.judge(p, pcap)["status"] == "ok"
    p, pcap = params(tmp_path, capture={"interface": "lo", "counts": {**COUNTS, "received_by_filter": 30}})
    assert record.judge(p, pcap)["reasons"] == ["tcpdump captured 14 of the 15 packets its filter received"]


def test_checksum_mismatch_and_missing_pcap_fail(tmp_path):
    p, pcap = params(tmp_path, capture={"sha256": "0" * 64})
    assert record.judge(p, pcap)["reasons"] == ["the pcap's sha256 on the controller differs from the capture host's"]
    p, _ = params(tmp_path)
    assert "the pcap did not reach the controller" in record.judge(p, str(tmp_path / "absent.pcap"))["reasons"]


def test_program_failures_are_named_with_their_last_line(tmp_path):
    p, pcap = params(tmp_path, client={"rc": 1, "stdout": "Connected\n",
                                       "stderr": "error: no reply from 10.0.0.2:4141 within 10 seconds"},
                     server={"finished": False})
    assert record.judge(p, pcap)["reasons"] == [
        "client exited 1: error: no reply from 10.0.0.2:4141 within 10 seconds",
        "server did not finish in time",
        "0 of 2 messages got their correct reply"]


def test_an_early_stop_explains_an_empty_capture(tmp_path):
    p, pcap = params(tmp_path, error="Port 4141 on s is already in use", client={"ran": False, "stdout": ""},
                     server={"ran": False}, capture={"counts": {**COUNTS, "captured": 0, "received_by_filter": 0}})
    assert record.judge(p, pcap)["reasons"] == ["Port 4141 on s is already in use"]


def test_manifest_lists_captured_files_not_derived_ones(tmp_path):
    for name in ("p01/upcall.pcap", "p01/upcall.json", "report.html", "report.json", "summary.txt",
                 "manifest.json", "ladders/p01/upcall.svg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    assert sorted(manifest.run_files(str(tmp_path))) == ["p01/upcall.json", "p01/upcall.pcap"]


def test_missing_record_counts_as_failed_and_summary_ends_with_report_and_folder(tmp_path):
    (tmp_path / "p01").mkdir()
    (tmp_path / "p01" / "reqresp.json").write_text(json.dumps(
        {"pair": "p01", "scenario": "reqresp", "status": "ok", "reasons": [], "messages": ["a"], "answered": 1,
         "capture": {"counts": COUNTS}}))
    captures = manifest.records(str(tmp_path), ["p01", "p02"], ["reqresp"])
    assert [c["status"] for c in captures] == ["ok", "failed"]
    lines = manifest.summary("r1", str(tmp_path), captures)
    assert lines[0] == "Run r1: 2 pair(s) x 1 scenario(s), 1 of 2 captures ok"
    assert lines[-2:] == [f"Report: {tmp_path}/report.html", f"Run folder: {tmp_path}"]
    assert "FAILED: no record" in lines[3]


@pytest.mark.parametrize("text,changed", [("same", False), ("other", True)])
def test_write_if_changed_leaves_equal_content_alone(tmp_path, text, changed):
    path = tmp_path / "f.json"
    path.write_text("same")
    assert record.write_if_changed(str(path), text) is changed
    assert path.read_text() == text
