"""Netstrings, the lab's wire format (DESIGN.md): ``5:hello,`` carries ``hello``.

`encode` frames one message; `parse` splits a byte stream into netstrings and says where and why
it stopped, so the analyzer can tell a stream that is netstring-framed (possibly cut short) from
one that is not framed at all (the original seed programs send bare text).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LENGTH_DIGITS = 10


@dataclass(frozen=True)
class Netstring:
    """One complete netstring: [start, end) in the stream, payload bytes."""

    start: int
    end: int
    payload: bytes


@dataclass(frozen=True)
class Parsed:
    """The result of parsing a stream: the netstrings and how parsing ended."""

    netstrings: list[Netstring]
    stopped_at: int  # offset of the first byte not consumed
    error: str | None  # why bytes at `stopped_at` are not a netstring; None if the stream ended
    incomplete: bool  # the stream ends inside a well-formed netstring (more bytes were expected)


def encode(message: str) -> bytes:
    """The netstring for a message: length of its UTF-8 bytes, ':', the bytes, ','."""
    data = message.encode("utf-8")
    return str(len(data)).encode("ascii") + b":" + data + b","


def encoded_length(message: str) -> int:
    """Bytes on the wire for one framed message."""
    return len(encode(message))


def parse(stream: bytes) -> Parsed:
    """Split `stream` into netstrings, stopping at the first malformed or unfinished one."""
    found: list[Netstring] = []
    offset = 0
    size = len(stream)
    while offset < size:
        colon = offset
        while colon < size and colon - offset <= MAX_LENGTH_DIGITS and 48 <= stream[colon] <= 57:
            colon += 1
        digits = colon - offset
        if colon == size:
            if digits <= MAX_LENGTH_DIGITS:
                return Parsed(found, offset, None, True)
        if digits == 0:
            return Parsed(found, offset, f"expected a length digit, found {_show(stream, offset)}",
                          False)
        if digits > MAX_LENGTH_DIGITS:
            return Parsed(found, offset, "length prefix longer than 10 digits", False)
        if stream[colon] != 0x3A:  # ':'
            return Parsed(found, offset, f"expected ':' after the length, found "
                                         f"{_show(stream, colon)}", False)
        if digits > 1 and stream[offset] == 0x30:
            return Parsed(found, offset, "length has a leading zero", False)
        length = int(stream[offset:colon])
        payload_start = colon + 1
        comma = payload_start + length
        if comma >= size:
            return Parsed(found, offset, None, True)
        if stream[comma] != 0x2C:  # ','
            return Parsed(found, offset, f"expected ',' after {length} bytes, found "
                                         f"{_show(stream, comma)}", False)
        found.append(Netstring(offset, comma + 1, stream[payload_start:comma]))
        offset = comma + 1
    return Parsed(found, offset, None, False)


def _show(stream: bytes, offset: int) -> str:
    return repr(stream[offset:offset + 1].decode("latin-1"))
