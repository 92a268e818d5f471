"""Netstrings as the analyzer parses them out of a byte stream."""

from __future__ import annotations

from tcplab import framing


def test_encode_counts_utf8_bytes() -> None:
    assert framing.encode("hello") == b"5:hello,"
    assert framing.encode("") == b"0:,"
    assert framing.encode("wörld") == "6:wörld,".encode("utf-8")
    assert framing.encoded_length("a\nb") == 6


def test_parse_splits_consecutive_netstrings() -> None:
    parsed = framing.parse(b"5:hello,0:,3:a,b,")
    assert [n.payload for n in parsed.netstrings] == [b"hello", b"", b"a,b"]
    assert [(n.start, n.end) for n in parsed.netstrings] == [(0, 8), (8, 11), (11, 17)]
    assert parsed.error is None and not parsed.incomplete and parsed.stopped_at == 17


def test_parse_stops_inside_an_unfinished_netstring() -> None:
    parsed = framing.parse(b"5:hello,10:abc")
    assert [n.payload for n in parsed.netstrings] == [b"hello"]
    assert parsed.incomplete and parsed.error is None and parsed.stopped_at == 8
    assert framing.parse(b"12").incomplete


def test_parse_names_the_framing_error() -> None:
    assert framing.parse(b"hello").error == "expected a length digit, found 'h'"
    assert framing.parse(b"5:hello;").error == "expected ',' after 5 bytes, found ';'"
    assert framing.parse(b"5-hello,").error == "expected ':' after the length, found '-'"
    assert framing.parse(b"05:hello,").error == "length has a leading zero"
    late = framing.parse(b"2:ok,xx")
    assert [n.payload for n in late.netstrings] == [b"ok"] and late.stopped_at == 5
