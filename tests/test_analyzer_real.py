"""Captures made with real tools, of what students' captures hold, read as Wireshark reads them.

Each test makes its capture here - real TCP between real programs, tcpdump or tshark writing it,
over loopback or between two network namespaces of the test's own (tests/netns.py), nftables
dropping a segment where a lossy network would, editcap cutting a capture's start as a capture
started late - and checks the analyzer's reading against tshark's where tshark has one:

- duplicate ACKs and a fast retransmission, named on the same packets as tshark names them;
- a capture started late: the data after its start is read, not "no application data";
- data in the SYN (TCP Fast Open): in its place, no invented gap;
- a server that speaks first: its greeting is not the first reply, no round-trip time is
  negative, and the report says the conversation is not the lab's request and reply;
- a port scan's stray SYN beside the exchange: the exchange is the lab's conversation;
- a SYN sent again with the same initial sequence number: one connection;
- a gzipped capture, IPv6 loopback, and pcapng as tshark writes it.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from analyzer_loopback import LAB_FILES, TIMEOUT, Tcpdump, can_capture, free_port
from netns import Wire, can_make_wires

from tcplab.analysis.analyze import analyze
from tcplab.formats.manifest import CaptureJob
from tcplab.formats.scenarios import course_scenarios
from tcplab.analysis.model import C2S, S2C
from tcplab.analysis.capture import read_capture

PROGRAMS = Path(__file__).resolve().parent / "student_programs"
NO_WIRE = can_make_wires()
NO_CAPTURE = can_capture()
needs_wire = pytest.mark.skipif(NO_WIRE is not None, reason=str(NO_WIRE))
needs_capture = pytest.mark.skipif(NO_CAPTURE is not None, reason=str(NO_CAPTURE))
needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
BIG = "x" * 60000  # crosses the wire as about 40 segments


def reqresp(pcap: Path, port: int, messages: list[str] | None = None):
    """The analyzer on `pcap` as a reqresp capture of `messages` on `port`."""
    return analyze(CaptureJob(pair="p01", scenario="reqresp", pcap=pcap, pcap_name=pcap.name,
                              spec=course_scenarios()["reqresp"], messages=messages,
                              server_port=port))


def lab_exchange(wire: Wire, pcap: Path, messages: list[str], port: int = 2222,
                 before: list[str] | None = None) -> dict[str, int]:
    """The lab's reqresp programs across the wire, captured on the client's side; `before`
    runs in the client's namespace first (a scan, say). Returns tcpdump's counts."""
    tcpdump = wire.tcpdump(pcap, port)
    server = None
    try:
        if before:
            subprocess.run([*wire.exec(wire.client_ns), *before], capture_output=True,
                           timeout=TIMEOUT)
        server = subprocess.Popen(
            [*wire.exec(wire.server_ns), sys.executable, str(LAB_FILES / "reqresp" / "server.py"),
             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert server.stdout is not None
        assert server.stdout.readline().startswith("Server listening on")
        client = subprocess.run(
            [*wire.exec(wire.client_ns), sys.executable, str(LAB_FILES / "reqresp" / "client.py"),
             "--host", wire.server_ip, "--port", str(port), "--", *messages],
            capture_output=True, text=True, timeout=TIMEOUT)
        assert client.returncode == 0, client.stderr
        server.communicate(timeout=TIMEOUT)
        time.sleep(0.3)
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.communicate()
        counts = tcpdump.stop()
    assert counts.get("dropped_by_kernel") == 0, counts
    return counts


def tshark_fields(pcap: Path, *fields: str) -> list[list[str]]:
    argv = ["tshark", "-r", str(pcap), "-T", "fields", "-E", "separator=|"]
    for field in fields:
        argv += ["-e", field]
    lines = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                           check=True).stdout.splitlines()
    return [line.split("|") for line in lines]


def tshark_kinds(pcap: Path) -> dict[str, set[int]]:
    """Packet numbers tshark's TCP analysis marks, by our anomaly kind."""
    kinds: dict[str, set[int]] = {"duplicate ack": set(), "fast retransmission": set(),
                                  "retransmission": set(), "out-of-order": set()}
    for number, dup, fast, again, ooo in tshark_fields(
            pcap, "frame.number", "tcp.analysis.duplicate_ack", "tcp.analysis.fast_retransmission",
            "tcp.analysis.retransmission", "tcp.analysis.out_of_order"):
        for kind, flag in (("duplicate ack", dup), ("fast retransmission", fast),
                           ("out-of-order", ooo)):
            if flag:
                kinds[kind].add(int(number))
        if again and not fast:
            kinds["retransmission"].add(int(number))
    return kinds


def our_kinds(result) -> dict[str, set[int]]:
    kinds: dict[str, set[int]] = {"duplicate ack": set(), "fast retransmission": set(),
                                  "retransmission": set(), "out-of-order": set()}
    for segment in result.main.segments:
        for note in segment.notes:
            if note in kinds:
                kinds[note].add(segment.number)
    return kinds


@pytest.fixture(scope="module")
def lossy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capture of the lab's reqresp over a wire that loses the 8th segment of the client."""
    if NO_WIRE is not None:
        pytest.skip(NO_WIRE)
    pcap = tmp_path_factory.mktemp("lossy") / "loss.pcap"
    with Wire() as wire:
        wire.drop(2222, 8)
        lab_exchange(wire, pcap, [BIG, "kedua"])
    return pcap


@needs_wire
@needs_tshark
def test_duplicate_acks_and_the_fast_retransmission_as_wireshark_names_them(lossy: Path) -> None:
    result = reqresp(lossy, 2222, [BIG, "kedua"])
    theirs = tshark_kinds(lossy)
    assert len(theirs["duplicate ack"]) >= 2 and theirs["fast retransmission"], theirs
    assert our_kinds(result) == theirs
    assert result.verdict == "complete", result.reasons  # TCP recovered: every message answered
    dup = next(a for a in result.anomalies if a.kind == "duplicate ack")
    assert dup.detail.startswith("duplicate ACK #1 of packet ")


@needs_wire
def test_a_capture_started_late_still_shows_what_it_holds(tmp_path: Path) -> None:
    """A whole capture cut as a capture started late: the bytes the client sent before it
    began are not in it, the rest is read."""
    whole = tmp_path / "whole.pcap"
    with Wire() as wire:
        lab_exchange(wire, whole, [BIG, "kedua"])
    packets = read_capture(whole).packets
    client_port = packets[0].sport
    cut = next(p.number for p in packets[6:] if p.dport == client_port and p.length == 0
               and packets[p.number].sport == client_port and packets[p.number].length)
    # The capture begins with the server's ACK; the client's next segment, in flight as the
    # capture began, is not in it (editcap keeps the ACK and everything after that segment).
    assert cut is not None
    late = tmp_path / "late.pcap"
    frames = read_capture(whole).frames
    subprocess.run(["editcap", "-r", str(whole), str(late), str(cut), f"{cut + 2}-{frames}"],
                   check=True,
                   capture_output=True, timeout=60)
    result = reqresp(late, 2222)
    assert "no application data was exchanged" not in result.reasons
    assert any(a.kind == "late start" for a in result.anomalies)
    main = result.main
    assert [m.text for m in main.messages[C2S].items][-1] == "kedua"
    assert [m.text for m in main.messages[S2C].items] == [BIG, "kedua"]
    assert result.reasons[0] == ("no three-way handshake: the capture starts after the "
                                 "connection was opened")
    assert not main.streams[C2S].gaps  # what was sent before the capture began is no gap


@needs_wire
@needs_tshark
def test_data_in_the_syn_takes_its_place(tmp_path: Path) -> None:
    """TCP Fast Open: the client's first message rides in its SYN."""
    pcap = tmp_path / "tfo.pcap"
    with Wire() as wire:
        for ns in (wire.client_ns, wire.server_ns):
            wire.sysctl(ns, "net.ipv4.tcp_fastopen=0x607")  # no cookie needed, every listener
        tcpdump = wire.tcpdump(pcap, 2222)
        server = subprocess.Popen(
            [*wire.exec(wire.server_ns), sys.executable, str(LAB_FILES / "reqresp" / "server.py"),
             "--port", "2222"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None and server.stdout.readline()
            done = subprocess.run([*wire.exec(wire.client_ns), sys.executable,
                                   str(PROGRAMS / "line_client.py"), wire.server_ip, "2222",
                                   "--fastopen", "halo", "dunia"],
                                  capture_output=True, text=True, timeout=TIMEOUT)
            assert done.stdout.splitlines() == ["halo", "dunia"], done.stderr
            server.communicate(timeout=TIMEOUT)
            time.sleep(0.3)
        finally:
            if server.poll() is None:
                server.kill()
            tcpdump.stop()
    syn = tshark_fields(pcap, "tcp.flags.syn", "tcp.flags.ack", "tcp.len")[0]
    assert syn == ["1", "0", "5"]  # "halo\n" in the SYN
    result = reqresp(pcap, 2222, ["halo", "dunia"])
    assert result.verdict == "complete", result.reasons
    assert result.main.streams[C2S].gaps == []
    assert result.main.messages[C2S].items[0].first_packet == 1
    assert result.main.handshake.complete


@needs_capture
@needs_tshark
def test_a_server_that_speaks_first_is_not_paired_as_request_and_reply(tmp_path: Path) -> None:
    pcap = tmp_path / "banner.pcap"
    port = free_port()
    tcpdump = Tcpdump(pcap, "lo", f"tcp and port {port}")
    server = subprocess.Popen([sys.executable, str(PROGRAMS / "banner_server.py"), "127.0.0.1",
                               str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline()
        done = subprocess.run([sys.executable, str(PROGRAMS / "line_client.py"), "127.0.0.1",
                               str(port), "--greeting", "EHLO lab", "QUIT"],
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert done.stdout.splitlines() == ["220 tcplab ready", "EHLO lab", "QUIT"]
        server.wait(TIMEOUT)
        time.sleep(0.3)
    finally:
        if server.poll() is None:
            server.kill()
        tcpdump.stop()
    result = analyze(CaptureJob(pair="p01", scenario="?", pcap=pcap, pcap_name=pcap.name,
                                inferred=True))
    main = result.main
    assert [m.text for m in main.messages[S2C].items] == ["220 tcplab ready", "EHLO lab", "QUIT"]
    pairs = [(e.request.text if e.request else None, e.reply.text if e.reply else None)
             for e in main.exchanges]
    assert pairs == [("EHLO lab", "EHLO lab"), ("QUIT", "QUIT"), (None, "220 tcplab ready")]
    assert all(e.rtt is None or e.rtt >= 0 for e in main.exchanges)
    assert any(note.startswith("the server speaks first ('220 tcplab ready')")
               for note in result.notes)


@needs_wire
def test_a_port_scan_beside_the_exchange_is_not_the_lab_conversation(tmp_path: Path) -> None:
    pcap = tmp_path / "scan.pcap"
    probe = [sys.executable, "-c", "import socket,sys\ntry:\n socket.create_connection(("
             f"'{{}}', 2222), timeout=2)\nexcept OSError:\n sys.exit(0)"]
    with Wire() as wire:
        probe[2] = probe[2].replace("{}", wire.server_ip)
        lab_exchange(wire, pcap, ["halo"], before=probe)  # refused: nothing listens yet
    result = reqresp(pcap, 2222, ["halo"])
    assert result.verdict == "complete", result.reasons
    assert result.main.conversation.packets[0].number == 3  # after the scan's SYN and RST
    assert len(result.others) == 1


@needs_wire
def test_a_syn_sent_again_is_one_connection(tmp_path: Path) -> None:
    """The server's side drops the first SYN: the client sends it again a second later, with
    the same initial sequence number."""
    pcap = tmp_path / "retry.pcap"
    with Wire() as wire:
        wire.nft(wire.server_ns,
                 "add set inet tcplab_test seen { type ipv4_addr ; }",
                 "add rule inet tcplab_test input tcp dport 2222 tcp flags == syn ip saddr @seen "
                 "accept",
                 "add rule inet tcplab_test input tcp dport 2222 tcp flags == syn add @seen "
                 "{ ip saddr } drop")
        lab_exchange(wire, pcap, ["halo"])
    packets = read_capture(pcap).packets
    assert packets[0].seq == packets[1].seq and packets[0].flags == packets[1].flags == 2
    result = reqresp(pcap, 2222, ["halo"])
    assert result.verdict == "complete", result.reasons
    assert result.others == [] and result.main.handshake.packets[:2] == [1, 2]


@needs_capture
def test_a_gzipped_capture_reads_as_the_capture_inside(tmp_path: Path) -> None:
    from analyzer_loopback import capture_exchange
    pcap = tmp_path / "reqresp.pcap"
    done = capture_exchange(pcap, "reqresp", ["halo", "apa kabar?"])
    zipped = tmp_path / "reqresp.pcap.gz"
    zipped.write_bytes(gzip.compress(pcap.read_bytes()))
    plain, inside = reqresp(pcap, done.port, ["halo", "apa kabar?"]), \
        reqresp(zipped, done.port, ["halo", "apa kabar?"])
    assert plain.verdict == inside.verdict == "complete"
    assert [s.flags for s in inside.main.segments] == [s.flags for s in plain.main.segments]


@needs_capture
@needs_tshark
def test_ipv6_loopback_captured_by_tshark_as_pcapng(tmp_path: Path) -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    pcap = tmp_path / "six.pcapng"
    port = free_port()
    tshark = subprocess.Popen(["tshark", "-i", "lo", "-w", str(pcap), "-f",
                               f"tcp and port {port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert tshark.stderr is not None
        while "Capture started" not in (line := tshark.stderr.readline()):  # dumpcap listens
            assert line, "tshark stopped"
        server = subprocess.Popen([sys.executable, str(PROGRAMS / "banner_server.py"), "::1",
                                   str(port)], stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None and server.stdout.readline()
        subprocess.run([sys.executable, str(PROGRAMS / "line_client.py"), "::1", str(port),
                        "--greeting", "satu", "dua"], check=True, capture_output=True,
                       timeout=TIMEOUT)
        server.wait(TIMEOUT)
        time.sleep(1.5)
    finally:
        tshark.terminate()
        tshark.wait(TIMEOUT)
    capture = read_capture(pcap)
    assert capture.file_format == "pcapng" and capture.packets[0].src == "::1"
    result = analyze(CaptureJob(pair="p01", scenario="?", pcap=pcap, pcap_name=pcap.name,
                                inferred=True))
    theirs = [bytes.fromhex(p.replace(":", "")) for (p,) in tshark_fields(pcap, "tcp.payload")
              if p]
    ours = [m.raw + b"\n" for m in result.main.messages[C2S].items]
    assert b"".join(ours) == b"satu\ndua\n" and b"satu\n" in theirs


@needs_wire
def test_a_lost_segment_is_told_and_drawn_as_lost(lossy: Path) -> None:
    """The 8th packet the server should have had was dropped on its side: the capture shows it,
    the duplicate ACKs, and the segment again - the report says which, and how long TCP waited."""
    from tcplab.analysis.explain import explain_phases
    from tcplab.i18n import language
    from tcplab.render.ladder import ladder_svg
    result = reqresp(lossy, 2222, [BIG, "kedua"])
    again = next(a for a in result.anomalies if a.of is not None)
    lost = next(s for s in result.main.segments if s.number == again.of)
    assert "lost" in lost.notes and again.kind == "fast retransmission"
    assert again.detail.startswith(
        f"the client's 1448 bytes at seq {lost.seq} (packet {lost.number}) were never "
        "acknowledged - lost on the way - and are sent again")
    story = [str(s) for s in explain_phases(result.main)]
    assert any(s.startswith(f"Row {lost.number}: a segment of the client was lost on its way")
               for s in story)
    said = [language("id").render(s) for s in explain_phases(result.main)]
    assert any(s.startswith(f"Baris {lost.number}: sebuah segmen dari client hilang di jalan")
               for s in said)
    assert 'class="lost"' in ladder_svg(result, language("en"))
