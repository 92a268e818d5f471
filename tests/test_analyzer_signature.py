"""Flow signatures and the expected shape of a scenario."""

from __future__ import annotations

from pathlib import Path

from analyzer_cases import REQRESP, UPCALL, reqresp_flow, run, upcall_flow

from tcplab import craft
from tcplab.formats import wire
from tcplab.craft import C, Flow, S
from tcplab.analysis.signature import expected_skeleton, signature


def _signature(flow: Flow, tmp: Path, scenario: str, messages: list[str], name: str = "c.pcap"):
    result = run(flow, tmp, scenario, messages, name=name)
    assert result.main is not None
    return signature(result.main, result.spec, messages)


def test_signature_text_and_expected_skeleton(tmp_path: Path) -> None:
    sig = _signature(upcall_flow(["hi"]), tmp_path, "upcall", ["hi"])
    assert sig.text == ("C>S:SYN:0 S>C:SYN,ACK:0 C>S:ACK:0 C>S:PSH,ACK:3 S>C:ACK:0 "
                        "S>C:PSH,ACK:28 C>S:ACK:0 C>S:FIN,ACK:0 S>C:FIN,ACK:0 C>S:ACK:0")
    assert sig.skeleton == ["C>S SYN", "S>C SYN,ACK", "C>S DATA 3", "S>C DATA 28", "C>S FIN",
                            "S>C FIN"]
    assert sig.expected == sig.skeleton and sig.matches is True and sig.difference is None
    assert len(sig.hash) == 12
    assert sig.expected_shape is not None and "[S>C ACK]" in sig.expected_shape


def test_signature_ignores_addresses_sequence_numbers_and_times(tmp_path: Path) -> None:
    one = craft.lab_flow(["a", "b"], "{message}", client=("10.0.0.3", 40000),
                         server=("10.0.0.2", 2222), start=1.0)
    two = craft.lab_flow(["x", "y"], "{message}", client=("10.9.9.3", 51515),
                         server=("10.9.9.2", 2222), start=99999.0, think=0.5, rtt=0.01)
    a = _signature(one, tmp_path, "reqresp", ["a", "b"], "a.pcap")
    b = _signature(two, tmp_path, "reqresp", ["x", "y"], "b.pcap")
    assert a.text == b.text and a.hash == b.hash


def test_delayed_ack_variants_differ_in_signature_but_match_the_shape(tmp_path: Path) -> None:
    with_ack = _signature(reqresp_flow(["hello"]), tmp_path, "reqresp", ["hello"], "a.pcap")
    without = _signature(reqresp_flow(["hello"], server_acks_first=False), tmp_path, "reqresp",
                         ["hello"], "b.pcap")
    four_way = _signature(reqresp_flow(["hello"], four_way=True), tmp_path, "reqresp",
                          ["hello"], "c.pcap")
    assert len({with_ack.hash, without.hash, four_way.hash}) == 3
    assert with_ack.matches and without.matches and four_way.matches
    assert with_ack.skeleton == without.skeleton == four_way.skeleton


def test_segmented_message_matches_the_shape(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    flow.send(C, b"hello")
    flow.ack(S)
    flow.send(C, b" world\n")
    flow.send(S, b"hello world\n")
    flow.ack(C)
    flow.close()
    sig = _signature(flow, tmp_path, "reqresp", ["hello world"])
    assert "C>S DATA 12" in sig.skeleton
    assert sig.matches is True


def test_wrong_reply_length_is_the_named_difference(tmp_path: Path) -> None:
    flow = Flow(server=("10.213.1.2", 4141))
    flow.handshake()
    flow.send(C, wire.encode("hi"))
    flow.send(S, wire.encode("Processing hi"))
    flow.ack(C)
    flow.close()
    sig = _signature(flow, tmp_path, "upcall", ["hi"])
    assert sig.matches is False
    assert sig.difference == "step 4: expected 'S>C DATA 28', found 'S>C DATA 14'"


def test_reset_and_missing_steps_are_differences(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    flow.send(C, wire.encode("hi"))
    flow.reset(S)
    sig = _signature(flow, tmp_path, "reqresp", ["hi"])
    assert sig.skeleton[-1] == "S>C RST"
    assert sig.difference == "step 4: expected 'S>C DATA 3', found 'S>C RST'"
    flow = Flow()
    flow.handshake()
    sig = _signature(flow, tmp_path, "reqresp", ["hi"], "b.pcap")
    assert sig.difference == "4 step(s) missing from step 3: 'C>S DATA 3' ..."


def test_expected_skeleton_uses_raw_lengths_for_unframed_streams() -> None:
    assert expected_skeleton(["ab"], REQRESP, framed=False)[2:4] == ["C>S DATA 2", "S>C DATA 2"]
    assert expected_skeleton(["ab"], UPCALL)[2:4] == ["C>S DATA 3", "S>C DATA 28"]
