"""The analyzer on crafted captures: the standard exchange and every edge case it must name."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from analyzer_cases import exchange, job, reqresp_flow, run, upcall_flow

from tcplab import craft
from tcplab.formats import wire
from tcplab.analysis.analyze import analyze
from tcplab.craft import C, Flow, S
from tcplab.analysis.model import number_ranges


def test_standard_upcall_exchange_is_complete(tmp_path: Path) -> None:
    messages = ["hello", "second"]
    result = run(upcall_flow(messages), tmp_path, "upcall", messages)
    assert result.verdict == "complete", result.reasons
    main = result.main
    assert main is not None
    assert main.phases.text == "handshake 1-3, data 4-11, termination 12-14"
    assert [(s.number, s.direction, s.flags, s.seq, s.ack, s.length) for s in main.segments[:7]] \
        == [(1, "C>S", "SYN", 0, 0, 0), (2, "S>C", "SYN, ACK", 0, 1, 0),
            (3, "C>S", "ACK", 1, 1, 0), (4, "C>S", "PSH, ACK", 1, 1, 6),
            (5, "S>C", "ACK", 1, 7, 0), (6, "S>C", "PSH, ACK", 1, 7, 31),
            (7, "C>S", "ACK", 7, 32, 0)]
    assert main.segments[3].payload == b"hello\n"
    shake = main.handshake
    assert (shake.present, shake.complete, shake.packets) == (True, True, [1, 2, 3])
    assert (shake.client_mss, shake.server_mss, shake.client_wscale) == (1460, 1460, 7)
    assert shake.client_isn == main.conversation.packets[0].seq
    assert main.conversation.roles_from == "handshake"
    assert str(main.conversation.client) == "10.213.1.3:42476"
    replies = [(e.request.text, e.reply.text, e.request_ok, e.reply_ok)
               for e in main.exchanges if e.request and e.reply]
    assert replies == [("hello", "Upcall event: Processing hello", True, True),
                       ("second", "Upcall event: Processing second", True, True)]
    assert main.exchanges[0].rtt == pytest.approx(0.00015, abs=2e-6)
    close = main.teardown
    assert (close.kind, close.closed_first, close.packets) == ("fin", "client", [12, 13, 14])
    assert "three-way termination" in close.description
    assert main.anomalies == []


def test_four_way_close_of_one_message_gives_the_seeds_rows(tmp_path: Path) -> None:
    result = run(upcall_flow(["1"], four_way=True), tmp_path, "upcall", ["1"])
    assert result.verdict == "complete", result.reasons
    assert result.main is not None
    assert result.main.phases.text == "handshake 1-3, data 4-7, termination 8-11"
    close = result.main.teardown
    assert close.packets == [8, 9, 10, 11]
    assert close.sequence == ["C>S FIN, ACK (8)", "S>C ACK (9)", "S>C FIN, ACK (10)",
                              "C>S ACK (11)"]
    assert "four-way termination" in close.description


def _no_handshake_flow() -> Flow:
    flow = Flow(client=("10.213.1.3", 42476), server=("10.213.1.2", 2222))
    # the capture starts after the handshake; the server's packet comes first
    flow.next_seq[C] += 1
    flow.next_seq[S] += 1
    flow.acked = {C: flow.next_seq[S], S: flow.next_seq[C]}
    flow.ack(S)
    exchange(flow, "hello")
    flow.close()
    return flow


def test_no_handshake_roles_from_the_manifest_port(tmp_path: Path) -> None:
    result = run(_no_handshake_flow(), tmp_path, "reqresp", ["hello"])
    main = result.main
    assert main is not None
    assert main.conversation.roles_from == "manifest server port"
    assert main.conversation.server.port == 2222
    assert main.handshake.present is False
    assert result.verdict == "incomplete"
    assert result.reasons == [
        "no three-way handshake: the capture starts after the connection was opened"]
    assert [(s.direction, s.seq, s.ack) for s in main.segments[:2]] == [("S>C", 1, 1),
                                                                         ("C>S", 1, 1)]
    assert main.exchanges[0].reply_ok is True
    assert main.phases.text == "data 1-5, termination 6-8"


def test_no_handshake_roles_from_the_scenario_port_without_manifest(tmp_path: Path) -> None:
    pcap = craft.write_pcap(tmp_path / "x.pcap", _no_handshake_flow().frames)
    result = analyze(job(pcap, "reqresp", None, port=0, inferred=True))
    assert result.main is not None
    assert result.main.conversation.roles_from == "scenario port"
    assert any("told apart by the scenario port" in note for note in result.notes)


def test_reset_instead_of_close(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    exchange(flow, "hello")
    flow.reset(C)
    result = run(flow, tmp_path, "reqresp", ["hello"])
    main = result.main
    assert main is not None
    assert (main.teardown.kind, main.teardown.reset_by, main.teardown.reset_packet) == \
        ("reset", "client", 8)
    assert result.verdict == "incomplete"
    assert result.reasons == ["termination: reset by the client (packet 8, RST, ACK) instead of "
                              "a FIN exchange"]
    assert [(a.kind, a.packet) for a in main.anomalies] == [("reset", 8)]
    assert main.segments[-1].notes == ["reset"]
    assert main.phases.text == "handshake 1-3, data 4-7, termination 8"


def test_retransmission_is_an_anomaly_and_counts_once(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    first = flow.send(C, b"hello\n")
    flow.packet(C, "PA", b"hello\n", seq=flow.next_seq[C] - 6, delay=0.2)
    flow.ack(S)
    flow.send(S, b"hello\n")
    flow.ack(C)
    flow.close()
    assert first.direction == C
    result = run(flow, tmp_path, "reqresp", ["hello"])
    main = result.main
    assert main is not None
    assert [(a.kind, a.packet) for a in main.anomalies] == [("retransmission", 5)]
    assert main.segments[4].notes == ["retransmission"]
    assert [m.text for m in main.messages["C>S"].items] == ["hello"]
    assert result.verdict == "complete", result.reasons


def test_syn_retransmission_belongs_to_the_handshake(tmp_path: Path) -> None:
    flow = Flow()
    options = craft.syn_options(1460, 7)
    flow.packet(C, "S", options=options)
    flow.packet(C, "S", options=options, seq=flow.client_isn, delay=1.0)
    flow.packet(S, "SA", options=options)
    flow.ack(C)
    exchange(flow, "x")
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["x"])
    assert result.main is not None
    assert result.main.handshake.packets == [1, 2, 3, 4]
    assert [(a.kind, a.packet) for a in result.main.anomalies] == [("retransmission", 2)]
    assert result.verdict == "complete", result.reasons


def test_message_split_over_several_segments(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    for part in (b"hel", b"lo ", b"world\n"):
        flow.send(C, part)
    flow.ack(S)
    flow.send(S, b"hello world\n")
    flow.ack(C)
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello world"])
    main = result.main
    assert main is not None and result.verdict == "complete", result.reasons
    message = main.messages["C>S"].items[0]
    assert (message.text, message.first_packet, message.last_packet) == ("hello world", 4, 6)
    assert main.exchanges[0].rtt == pytest.approx(main.segments[7].time - main.segments[5].time)


def test_two_messages_in_one_segment(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    flow.send(C, b"hello\ntwo\n")
    flow.ack(S)
    flow.send(S, b"hello\ntwo\n")
    flow.ack(C)
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello", "two"])
    main = result.main
    assert main is not None
    client = main.messages["C>S"]
    assert client.framing == "line"
    assert [(m.text, m.first_packet, m.last_packet) for m in client.items] == [
        ("hello", 4, 4), ("two", 4, 4)]
    assert all(e.request_ok and e.reply_ok for e in main.exchanges)
    assert result.verdict == "complete", result.reasons


def test_out_of_order_segments_are_put_in_place(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    base = flow.next_seq[C]
    ack = flow.acked[C]
    flow.packet(C, "PA", b"lo\n", seq=base + 3, ack=ack)
    flow.packet(C, "PA", b"hel", seq=base, ack=ack)
    flow.next_seq[C] = base + 6
    flow.acked[S] = base + 6
    flow.ack(S)
    flow.send(S, b"hello\n")
    flow.ack(C)
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello"])
    main = result.main
    assert main is not None
    assert [(a.kind, a.packet) for a in main.anomalies] == [("out-of-order", 5)]
    assert main.segments[3].notes == ["previous segment not captured"]
    assert main.messages["C>S"].items[0].text == "hello"
    assert result.verdict == "complete", result.reasons


def test_missing_bytes_are_a_gap(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    exchange(flow, "hello")
    exchange(flow, "lost")
    exchange(flow, "after")
    del flow.frames[3 + 4]  # the client's "lost" request never reached the capture
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello", "lost", "after"])
    assert result.verdict == "incomplete"
    assert "client bytes 7-11 (relative seq) were never captured (5 bytes missing)" in \
        result.reasons
    assert result.main is not None
    assert [(a.kind, a.direction) for a in result.main.anomalies] == [("gap", "C>S")]


def test_thousands_of_holes_are_twenty_named_and_one_sentence_for_the_rest(tmp_path: Path) -> None:
    """A capture that lost every other byte (500 holes) lists its first 20 holes one by one and
    the other 480 in one sentence: a teacher reads a verdict, not a page per hole."""
    flow = Flow()
    flow.handshake()
    base = flow.next_seq[C]
    for i in range(500):
        flow.packet(C, "PA", b"x", seq=base + 2 * i, ack=flow.acked[C])
    flow.next_seq[C] = flow.acked[S] = base + 1000
    flow.ack(S)
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["x"])
    assert result.main is not None
    gaps = [a.detail for a in result.main.anomalies if a.kind == "gap"]
    assert len(gaps) == 21
    assert gaps[0] == "client bytes 2-2 (relative seq) were never captured (1 bytes missing)"
    assert gaps[-1] == ("and 480 more holes in the client bytes 42-1000 (relative seq) were never "
                        "captured (480 bytes missing in them)")
    assert result.verdict == "incomplete" and gaps[-1] in result.reasons


def test_missing_bytes_just_before_the_fin_are_a_gap(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    exchange(flow, "hello")
    flow.send(C, wire.encode("last"))
    del flow.frames[-1]  # the client's last message never reached the capture
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello"])
    assert "client bytes 7-11 (relative seq) were never captured (5 bytes missing)" in \
        result.reasons
    assert result.main is not None
    assert [(a.kind, a.direction) for a in result.main.anomalies] == [("gap", "C>S")]


def test_zero_window_is_an_anomaly(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    flow.send(C, b"hello\n")
    flow.packet(S, "A", window=0)
    flow.packet(S, "A", delay=0.01)
    flow.send(S, b"hello\n")
    flow.ack(C)
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello"])
    assert result.main is not None
    assert [(a.kind, a.packet, a.direction) for a in result.main.anomalies] == [
        ("zero window", 5, "S>C")]
    assert result.verdict == "complete", result.reasons


def test_every_mismatch_is_named(tmp_path: Path) -> None:
    flow = Flow(server=("10.213.1.2", 4141))
    flow.handshake()
    exchange(flow, "hello", "Upcall event: Processing hello")
    exchange(flow, "tw0", "Upcall event: Processing tw0")
    exchange(flow, "three", "echo three")
    flow.send(C, wire.encode("extra"))
    flow.ack(S)
    flow.close()
    result = run(flow, tmp_path, "upcall", ["hello", "two", "three"])
    assert result.verdict == "incomplete"
    assert result.reasons == [
        "message 2: the client sent 'tw0', the manifest says 'two'",
        "reply 3: the server sent 'echo three', expected 'Upcall event: Processing three'",
        "extra message 4 from the client: 'extra'",
        "reply 4 is missing (expected 'Upcall event: Processing extra')",
    ]
    assert result.main is not None
    assert result.main.exchanges[1].reply_ok is True  # the server answered what it got


def test_missing_messages_and_replies(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    flow.send(C, wire.encode("hello"))
    flow.ack(S)
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello", "bye"])
    assert result.reasons == ["reply 1 is missing (expected 'hello')",
                              "message 2 was not sent (manifest: 'bye')",
                              "reply 2 is missing (expected 'bye')"]


def test_unframed_stream_falls_back_to_one_message_per_segment(tmp_path: Path) -> None:
    flow = Flow(server=("10.213.1.2", 4141))
    flow.handshake()
    for message in ("1", "abc"):
        flow.send(C, message.encode())
        flow.ack(S)
        flow.send(S, f"Upcall event: Processing {message}".encode())
        flow.ack(C)
    flow.close()
    result = run(flow, tmp_path, "upcall", ["1", "abc"])
    main = result.main
    assert main is not None
    assert main.messages["C>S"].framing == "segments"
    assert main.messages["S>C"].framing == "segments"
    assert [m.text for m in main.messages["S>C"].items] == ["Upcall event: Processing 1",
                                                          "Upcall event: Processing abc"]
    assert "the client stream has no newline-terminated lines (the seeds' original programs " \
           "send bare text); one message per data segment" in result.notes
    assert result.verdict == "complete", result.reasons


def test_stream_ending_inside_a_line(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    exchange(flow, "hello")
    flow.send(C, b"unfinished")
    flow.ack(S)
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello"])
    assert result.reasons == ["client stream ends inside a line (10 bytes from byte 7 have no "
                              "newline)"]
    assert result.main is not None
    assert [m.text for m in result.main.messages["C>S"].items] == ["hello"]
    assert [(a.kind, a.direction) for a in result.main.anomalies] == [("framing", "C>S")]


def test_tcpdump_drops_come_from_the_manifest_counts(tmp_path: Path) -> None:
    counts = {"captured": 10, "received_by_filter": 12, "dropped_by_kernel": 2}
    result = run(reqresp_flow(["hello"]), tmp_path, "reqresp", ["hello"], counts=counts)
    assert result.verdict == "incomplete"
    assert result.reasons == ["tcpdump reports 2 packets dropped by the kernel"]
    assert [a.kind for a in result.anomalies] == ["tcpdump drops"]


def test_server_closing_first_is_reported(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    exchange(flow, "hello")
    flow.close(first=S)
    result = run(flow, tmp_path, "reqresp", ["hello"])
    assert result.main is not None
    assert result.main.teardown.closed_first == "server"
    assert result.verdict == "complete"


def test_connection_left_open(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    exchange(flow, "hello")
    result = run(flow, tmp_path, "reqresp", ["hello"])
    assert result.reasons == ["termination: no FIN and no reset: the connection is still open "
                              "at the end of the capture"]


def test_empty_capture(tmp_path: Path) -> None:
    result = run(Flow(), tmp_path, "reqresp", ["hello"])
    assert (result.verdict, result.reasons, result.error) == (
        "incomplete", ["the capture holds no packets"], None)


def test_file_that_is_not_a_pcap_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(b"\x00" * 100)
    result = analyze(job(path, "reqresp", ["hello"]))
    assert result.verdict == "unreadable"
    assert result.error == "bad.pcap: not a pcap or pcapng capture (starts with bytes 00000000)"
    assert result.main is None


def test_truncated_file_is_analysed_up_to_the_cut(tmp_path: Path) -> None:
    path = craft.write_pcap(tmp_path / "cut.pcap", reqresp_flow(["hello"]).frames)
    path.write_bytes(path.read_bytes()[:-20])
    result = analyze(job(path, "reqresp", ["hello"]))
    assert result.error is not None and result.error.startswith("cut.pcap: truncated: file "
                                                                 "ends inside packet record 10")
    assert result.verdict == "incomplete"
    assert result.main is not None and len(result.main.segments) == 9
    assert result.main.exchanges[0].reply_ok is True


def test_other_conversations_are_listed_not_analysed(tmp_path: Path) -> None:
    noise = Flow(client=("10.213.1.3", 50000), server=("10.213.1.9", 80), start=1763745780.0)
    noise.handshake()
    main = reqresp_flow(["hello"])
    frames = sorted(noise.frames + main.frames, key=lambda f: f.time)
    pcap = craft.write_pcap(tmp_path / "two.pcap", frames)
    result = analyze(job(pcap, "reqresp", ["hello"]))
    assert result.verdict == "complete", result.reasons
    assert result.main is not None and result.main.conversation.server.port == 2222
    assert len(result.others) == 1
    assert result.main.segments[0].number == 4


def test_unsolicited_server_message_is_an_extra_reply(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    exchange(flow, "hello")
    flow.send(S, wire.encode("surprise"))
    flow.ack(C)
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello"])
    assert result.reasons == ["extra reply 2 from the server: 'surprise'"]


def test_a_new_syn_on_the_same_ports_is_a_new_conversation(tmp_path: Path) -> None:
    first = reqresp_flow(["hello"])
    second = craft.lab_flow(["again"], "{message}", client=("10.213.1.3", 42476),
                            server=("10.213.1.2", 2222), start=1763745790.0)
    pcap = craft.write_pcap(tmp_path / "reuse.pcap", first.frames + second.frames)
    result = analyze(job(pcap, "reqresp", ["hello"]))
    assert result.verdict == "complete", result.reasons
    assert len(result.others) == 1 and len(result.others[0].packets) == 10
    assert any("1 other TCP conversation(s)" in note for note in result.notes)


def test_checksum_and_packet_count_are_checked_against_the_manifest(tmp_path: Path) -> None:
    pcap = craft.write_pcap(tmp_path / "c.pcap", reqresp_flow(["hello"]).frames)
    checked = job(pcap, "reqresp", ["hello"], counts={"captured": 12, "dropped_by_kernel": 0})
    checked.sha256 = "0" * 64
    result = analyze(checked)
    assert result.reasons == ["the pcap's sha256 differs from the manifest's",
                              "the file holds 10 packets, tcpdump captured 12"]


def test_number_ranges() -> None:
    assert number_ranges([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"
    assert number_ranges([]) == ""


def test_a_syn_sent_again_after_a_reset_with_the_same_isn_is_one_connection(
        tmp_path: Path) -> None:
    """connect() retried on the same ports with the same initial sequence number (a middlebox
    reset the first SYN): the SYNs are one connection's, not two."""
    flow = Flow()
    syn = flow.packet(C, "S", options=craft.syn_options(1460, 7))
    flow.packet(S, "RA", ack=flow.next_seq[C])
    flow.frames.append(craft.Frame(flow.clock + 1.0, C, syn.ip))
    flow.clock += 1.0
    flow.packet(S, "SA", options=craft.syn_options(1460, 7))
    flow.packet(C, "A")
    exchange(flow, "hello")
    flow.close()
    result = run(flow, tmp_path, "reqresp", ["hello"])
    assert result.others == []
    assert result.main is not None and result.main.handshake.packets[:2] == [1, 3]


def test_a_huge_conversation_lists_its_first_packets_in_the_report(tmp_path: Path) -> None:
    """600 exchanges in one connection: read whole, listed in part (the pcap has them all)."""
    from tcplab.render.document import SEGMENTS_LISTED
    from tcplab.render.report import write_report
    flow = craft.lab_flow([f"m{i}" for i in range(600)], "{message}", client=("10.213.1.3", 4000),
                          server=("10.213.1.2", 2222), start=1763745781.0)
    folder = tmp_path / "big"
    folder.mkdir()
    craft.write_pcap(folder / "reqresp.pcap", flow.frames)
    written = write_report(folder)
    capture = written.document["captures"][0]
    assert capture["segments_total"] == len(flow.frames) > SEGMENTS_LISTED
    assert len(capture["segments"]) == SEGMENTS_LISTED and capture["verdict"] == "complete"
    assert f"the first {SEGMENTS_LISTED} of its {len(flow.frames)} packets" in \
        written.html.read_text(encoding="utf-8")


def _resent(handshake_step: float | None, gap: float, which: int, acked: bool = False) -> Flow:
    """Three client segments and one of them sent again `gap` seconds after the third (`acked`:
    after the server acknowledged all three); the handshake (if any) takes two steps of
    `handshake_step`, Wireshark's initial round trip."""
    flow = Flow(step=handshake_step or 0.00015)
    if handshake_step is None:
        flow.frames.clear()
    else:
        flow.handshake()
    flow.step = 0.0001
    starts = []
    for letter in b"abc":
        starts.append(flow.next_seq[C])
        flow.send(C, bytes([letter]) * 100)
    if acked:
        flow.ack(S, delay=gap / 2)
    flow.packet(C, "PA", bytes([b"abc"[which]]) * 100, seq=starts[which], delay=gap / 2 if acked else gap)
    flow.ack(S)
    return flow


RESENT_CASES = [(step, gap, which)
                for step in (0.00015, 0.005, None)  # initial RTT 0.3 ms, 10 ms, no handshake
                for gap in (0.0002, 0.002, 0.008, 0.012)
                for which in (0, 2)] + [  # the first segment again, or the last one
    (step, gap, 0, True) for step in (0.005, None) for gap in (0.0002, 0.002)]  # all acknowledged


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_data_sent_again_is_named_as_wireshark_names_it(tmp_path: Path) -> None:
    """Out-of-order or retransmission goes by time alone, as in Wireshark: behind the furthest
    segment, and sooner after it than the handshake's round trip (3 ms without a handshake),
    even when the bytes were seen before; a segment ending where the furthest ends is not
    out-of-order, nor one whose bytes the other side's last ACK covers (spurious)."""
    ours, theirs = {}, {}
    for index, case in enumerate(RESENT_CASES):
        path = craft.write_pcap(tmp_path / f"{index}.pcap", _resent(*case).frames)
        result = analyze(job(path, "reqresp", None, inferred=True))
        assert result.main is not None
        last = next(s for s in reversed(result.main.segments) if s.length)  # the one sent again
        ours[case] = [note for note in last.notes if note in ("out-of-order", "retransmission")]
        expert = subprocess.run(
            ["tshark", "-r", str(path), "-Y", f"frame.number == {last.number}", "-T", "fields",
             "-e", "tcp.analysis.out_of_order", "-e", "tcp.analysis.retransmission"],
            capture_output=True, text=True, timeout=60, check=True).stdout.rstrip("\n").split("\t")
        theirs[case] = ["out-of-order"] if expert[0] else ["retransmission"] if expert[1] else []
    assert ours == theirs
    assert {kinds[0] for kinds in theirs.values()} == {"out-of-order", "retransmission"}
