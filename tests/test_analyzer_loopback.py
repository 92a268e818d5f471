"""Real captures (tcpdump on loopback) and a cross-check of the analyzer against tshark.

The loopback tests need tcpdump and the right to capture (root here); the tshark test needs
Debian's tshark and is skipped only when it is absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from analyzer_cases import REQRESP, UPCALL, exchange, job, manifest_capture, upcall_flow, write_run
from analyzer_loopback import can_capture, capture_exchange

from tcplab import craft
from tcplab.analysis.analyze import analyze
from tcplab.craft import C, Flow, S
from tcplab.formats.manifest import CaptureJob
from tcplab.analysis.packet import FLAG_NAMES
from tcplab.cli import report as main

MESSAGES = ["hello", "wörld ✓ selamat pagi", "x" * 3000]
NO_CAPTURE = can_capture()
needs_capture = pytest.mark.skipif(NO_CAPTURE is not None, reason=str(NO_CAPTURE))


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder with real captures of the lab programs: reqresp on lo, upcall on any (SLL2)."""
    if NO_CAPTURE is not None:
        pytest.skip(NO_CAPTURE)
    root = tmp_path_factory.mktemp("run")
    captures = []
    for scenario, spec, interface in (("reqresp", REQRESP, "lo"), ("upcall", UPCALL, "any")):
        (root / "p01").mkdir(exist_ok=True)
        done = capture_exchange(root / "p01" / f"{scenario}.pcap", scenario, MESSAGES, interface)
        assert done.replies == [spec.reply(m) for m in MESSAGES]
        (root / "p01" / f"{scenario}.server.log").write_text(done.server_output, encoding="utf-8")
        (root / "p01" / f"{scenario}.client.log").write_text(done.client_output, encoding="utf-8")
        entry = manifest_capture("p01", scenario, MESSAGES, port=done.port, counts=done.counts)
        entry["server"]["address"] = entry["client"]["address"] = "127.0.0.1"
        captures.append(entry)
    write_run(root, captures, ["p01"])
    return root


@needs_capture
def test_real_loopback_captures_are_complete(real_run: Path) -> None:
    assert main([str(real_run)]) == 0
    document = json.loads((real_run / "report.json").read_text())
    assert [c["verdict"] for c in document["captures"]] == ["complete", "complete"], \
        [c["reasons"] for c in document["captures"]]
    assert document["pair_verdicts"] == [{"pair": "p01", "verdict": "complete", "reasons": []}]
    lo, any_ = document["captures"]
    assert lo["capture"]["link_types"] == ["EN10MB"]
    assert any_["capture"]["link_types"] == ["LINUX_SLL2"]
    for capture in (lo, any_):
        assert capture["capture"]["frames"] == capture["capture"]["tcpdump_counts"]["captured"]
        assert capture["phases"]["text"].startswith("handshake 1-3, data 4-")
        assert capture["handshake"]["client_mss"] == 65495
        assert capture["conversation"]["client"]["address"] == "127.0.0.1"
        assert capture["teardown"]["closed_first"] == "client"
        assert capture["teardown"]["complete"] is True
        assert capture["messages"]["client"]["framing"] == "line"
        assert [e["request"]["text"] for e in capture["exchanges"]] == MESSAGES
        assert all(e["reply_ok"] and e["rtt_ms"] > 0 for e in capture["exchanges"])
        assert capture["signature"]["matches"] is True, capture["signature"]["difference"]
    long_reply = any_["exchanges"][2]["reply"]
    assert long_reply["bytes"] == len(UPCALL.reply("x" * 3000).encode())


# --- tshark cross-check ----------------------------------------------------------------------

def _no_handshake(flow: Flow) -> None:
    flow.next_seq = {C: flow.client_isn + 1, S: flow.server_isn + 1}
    flow.acked = {C: flow.server_isn + 1, S: flow.client_isn + 1}
    flow.ack(S)
    exchange(flow, "hello")
    flow.close()


def _retransmission(flow: Flow) -> None:
    flow.handshake()
    flow.send(C, b"hello\n")
    flow.packet(C, "PA", b"hello\n", seq=flow.next_seq[C] - 6, delay=0.2)
    flow.ack(S)
    flow.send(S, b"hello\n")
    flow.ack(C)
    flow.close(four_way=True)


def _reset(flow: Flow) -> None:
    flow.handshake()
    exchange(flow, "hello")
    flow.reset(S)


def _split_and_joined(flow: Flow) -> None:
    flow.handshake()
    for part in (b"hel", b"lo world\n"):
        flow.send(C, part)
    flow.ack(S)
    flow.send(S, b"hello world\nagain\n")
    flow.ack(C)
    flow.close()


def _out_of_order(flow: Flow) -> None:
    flow.handshake()
    base, ack = flow.next_seq[C], flow.acked[C]
    flow.packet(C, "PA", b"lo\n", seq=base + 3, ack=ack)
    flow.packet(C, "PA", b"hel", seq=base, ack=ack)
    flow.next_seq[C] = flow.acked[S] = base + 6
    flow.ack(S)
    flow.close()


CRAFTED: dict[str, tuple[Callable[[Flow], None], str, str]] = {
    "no-handshake": (_no_handshake, "ethernet", "pcap"),
    "retransmission": (_retransmission, "sll", "pcap"),
    "reset": (_reset, "null", "pcapng"),
    "split-and-joined": (_split_and_joined, "sll2", "pcapng"),
    "out-of-order": (_out_of_order, "loop", "pcap"),
}


def _tshark(path: Path) -> list[tuple[int, str, int, int, int, float]]:
    fields = ["frame.number", "tcp.flags.str", "tcp.seq", "tcp.ack", "tcp.len",
              "frame.time_relative"]
    done = subprocess.run(["tshark", "-r", str(path), "-T", "fields",
                           *[arg for f in fields for arg in ("-e", f)]],
                          capture_output=True, text=True, timeout=60)
    rows = []
    letters = {"F": "FIN", "S": "SYN", "R": "RST", "P": "PSH", "A": "ACK", "U": "URG",
               "E": "ECE", "C": "CWR", "N": "AE"}
    order = [name for _, name in FLAG_NAMES]
    for line in done.stdout.splitlines():
        number, flags, seq, ack, length, when = line.split("\t")
        if not flags:
            continue
        names = sorted((letters[ch] for ch in flags if ch in letters), key=order.index)
        rows.append((int(number), ", ".join(names), int(seq), int(ack), int(length),
                     float(when)))
    return rows


def _analyzer(cjob: CaptureJob) -> list[tuple[int, str, int, int, int, float]]:
    result = analyze(cjob)
    assert result.main is not None
    return [(s.number, s.flags, s.seq, s.ack, s.length, s.time) for s in result.main.segments]


def _same(ours: list[tuple], theirs: list[tuple]) -> None:
    assert [row[:5] for row in ours] == [row[:5] for row in theirs]
    for a, b in zip(ours, theirs):
        assert a[5] == pytest.approx(b[5], abs=2e-6)


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_captures_read_like_tshark(tmp_path: Path, case: str) -> None:
    build, link, kind = CRAFTED[case]
    flow = Flow()
    build(flow)
    writer = craft.write_pcapng if kind == "pcapng" else craft.write_pcap
    path = writer(tmp_path / f"{case}.{kind}", flow.frames, link)
    ours = _analyzer(job(path, "reqresp", None, inferred=True))
    theirs = _tshark(path)
    assert len(theirs) == len(flow.frames)
    _same(ours, theirs)


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_truncated_capture_reads_like_tshark(tmp_path: Path) -> None:
    path = craft.write_pcap(tmp_path / "cut.pcap", upcall_flow(["a", "b"]).frames)
    path.write_bytes(path.read_bytes()[:-25])
    ours = _analyzer(job(path, "upcall", ["a", "b"]))
    theirs = _tshark(path)
    assert len(ours) == len(theirs) == 13  # 14 packets, the last one cut
    _same(ours, theirs)


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@needs_capture
def test_real_captures_read_like_tshark(real_run: Path) -> None:
    for scenario in ("reqresp", "upcall"):
        path = real_run / "p01" / f"{scenario}.pcap"
        ours = _analyzer(job(path, scenario, MESSAGES, port=0))
        theirs = _tshark(path)
        assert len(theirs) >= 10
        _same(ours, theirs)
