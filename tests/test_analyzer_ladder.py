"""Ladder diagrams: well-formed SVG, one arrow per packet, escaped payloads, large captures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from analyzer_cases import run, upcall_flow

from tcplab.formats import wire
from tcplab.render import ladder
from tcplab.craft import C, Flow, S
from tcplab.i18n import language

ENGLISH = language("en")

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_one_arrow_per_packet_and_shaded_phases(tmp_path: Path) -> None:
    result = run(upcall_flow(["hello"]), tmp_path, "upcall", ["hello"])
    root = _parse(ladder.ladder_svg(result, ENGLISH))
    arrows = root.findall(f"{SVG}polygon")
    assert len(arrows) == 10
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "SYN  Seq=0 Ack=0 Len=0 MSS=1460 WS=128" in texts
    assert "PSH, ACK  Seq=1 Ack=1 Len=6" in texts
    assert '"hello\\n"' in texts
    assert ["handshake", "data", "termination"] == [t for t in texts if t in
                                                    ("handshake", "data", "termination")]
    assert "1-3" in texts and "4-7" in texts and "8-10" in texts
    assert "10.213.1.3:42476" in texts and "10.213.1.2:4141" in texts
    assert int(root.get("height", "0")) == ladder.TOP + 10 * ladder.ROW + 60


def test_hostile_payload_is_escaped(tmp_path: Path) -> None:
    hostile = '</text><script>alert("x")</script>&amp;\x00\x1b]0;'
    flow = Flow()
    flow.handshake()
    flow.send(C, wire.encode(hostile))
    flow.ack(S)
    flow.close()
    result = run(flow, tmp_path, "reqresp", [hostile])
    svg = ladder.ladder_svg(result, ENGLISH)
    root = _parse(svg)  # still well-formed XML
    assert "<script" not in svg
    assert root.findall(f".//{SVG}script") == []
    shown = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any('</text><script>alert("x")</script>&amp;\\x00\\x1b]0;' in t for t in shown)


def test_two_hundred_packets_stay_legible(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    for index in range(48):
        flow.send(C, wire.encode(f"message number {index}"))
        flow.ack(S)
        flow.send(S, wire.encode(f"message number {index}"))
        flow.ack(C)
    flow.close()
    result = run(flow, tmp_path, "reqresp", [f"message number {i}" for i in range(48)])
    assert result.main is not None and len(result.main.segments) == 198
    root = _parse(ladder.ladder_svg(result, ENGLISH))
    assert len(root.findall(f"{SVG}polygon")) == 198
    assert int(root.get("height", "0")) == ladder.TOP + 198 * ladder.ROW + 60
    assert min(int(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")) >= 10
    numbers = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert "198" in numbers


def test_no_conversation_gives_an_explanatory_diagram(tmp_path: Path) -> None:
    result = run(Flow(), tmp_path, "reqresp", ["hello"])
    root = _parse(ladder.ladder_svg(result, ENGLISH))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["p01 / reqresp: no ladder diagram", "the capture holds no packets"]


def test_excerpt_escapes_and_cuts() -> None:
    assert ladder.excerpt(b"a\nb\x01\xff") == "a\\nb\\x01\\xff"
    assert ladder.excerpt(b"x" * 100, 10) == "xxxxxxxxx…"
    assert ladder.excerpt("wörld".encode()) == "wörld"
