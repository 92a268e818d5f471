"""Newline-terminated lines as the analyzer parses them out of a byte stream."""

from __future__ import annotations

from tcplab.formats import wire


def test_encode_appends_a_newline_to_the_utf8_bytes() -> None:
    assert wire.encode("hello") == b"hello\n"
    assert wire.encode("") == b"\n"
    assert wire.encode("wörld ✓") == "wörld ✓\n".encode("utf-8")
    assert wire.encoded_length("wörld") == 7


def test_parse_splits_consecutive_lines() -> None:
    parsed = wire.parse(b"hello\n\na,b:c\n")
    assert [line.payload for line in parsed.lines] == [b"hello", b"", b"a,b:c"]
    assert [(line.start, line.end) for line in parsed.lines] == [(0, 6), (6, 7), (7, 13)]
    assert (parsed.rest_at, parsed.rest) == (13, 0)


def test_parse_keeps_the_bytes_after_the_last_newline_apart() -> None:
    parsed = wire.parse(b"hello\nwor")
    assert [line.payload for line in parsed.lines] == [b"hello"]
    assert (parsed.rest_at, parsed.rest) == (6, 3)
    assert wire.parse(b"no newline") == wire.Parsed([], 0, 10)


def test_carriage_return_is_part_of_the_line() -> None:
    assert [line.payload for line in wire.parse(b"crlf\r\n").lines] == [b"crlf\r"]


def test_a_stream_is_line_framed_when_it_holds_a_newline() -> None:
    assert wire.is_line_framed(b"x\n")
    assert not wire.is_line_framed(b"Upcall event: Processing 1")
