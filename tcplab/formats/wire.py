"""Lines, the lab's wire format (DESIGN.md): ``hello\\n`` carries ``hello``.

Every message travels as its UTF-8 text followed by a newline (``\\n``); a message holds no
newline or carriage return (the lab programs refuse one that does, and one longer than their
MAX_MESSAGE_BYTES). `encode` frames one message; `parse` splits a byte stream into lines and
says how many bytes are left after the last newline, so the analyzer can tell a stream that
ends inside a line from a complete one. A stream without any newline is not line-framed at
all (the original seed programs send bare text); `is_line_framed` says which.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One complete line: [start, end) in the stream (the newline included), its text bytes."""

    start: int
    end: int
    payload: bytes


@dataclass(frozen=True)
class Parsed:
    """The result of parsing a stream: its complete lines and where the unfinished rest starts."""

    lines: list[Line]
    rest_at: int  # offset of the first byte after the last newline
    rest: int  # bytes from there to the end of the stream: 0 when it ends with a newline


def encode(message: str) -> bytes:
    """A message as it travels: its UTF-8 bytes, then a newline."""
    return message.encode("utf-8") + b"\n"


def encoded_length(message: str) -> int:
    """Bytes on the wire for one framed message."""
    return len(message.encode("utf-8")) + 1


def is_line_framed(data: bytes) -> bool:
    """True when the bytes hold at least one newline."""
    return b"\n" in data


def parse(stream: bytes) -> Parsed:
    """Split `stream` into newline-terminated lines; bytes after the last newline are the rest."""
    found: list[Line] = []
    offset = 0
    while (newline := stream.find(b"\n", offset)) >= 0:
        found.append(Line(offset, newline + 1, stream[offset:newline]))
        offset = newline + 1
    return Parsed(found, offset, len(stream) - offset)
