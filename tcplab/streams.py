"""Each direction's byte stream, reassembled, and the application messages in it.

`stream` puts the data segments of one direction in sequence order: bytes already seen
(retransmissions) count once, a segment that fills a hole is out-of-order, bytes that no
segment brought are gaps. `messages` splits the stream into newline-terminated lines
(DESIGN.md) or, when the stream holds no newline at all (the original seed programs send bare
text), falls back to one message per data segment and says so. Every message knows the packets
that carried its first and last byte.
"""

from __future__ import annotations

from . import framing
from .i18n import Text as T
from .model import Anomaly, Chunk, Message, Messages, Segment, Stream, side_name
from .pcapread import FLAG_FIN, FLAG_SYN

# --- reassembly ---------------------------------------------------------------------------------

def _uncovered(covered: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    parts: list[tuple[int, int]] = []
    position = start
    for low, high in covered:
        if high <= position:
            continue
        if low >= end:
            break
        if low > position:
            parts.append((position, low))
        position = max(position, high)
        if position >= end:
            break
    if position < end:
        parts.append((position, end))
    return parts


def _cover(covered: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted([*covered, (start, end)]):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def stream(items: list[Segment], direction: str) -> tuple[Stream, list[Anomaly]]:
    """Reassemble one direction; note retransmissions, out-of-order and missing segments."""
    covered: list[tuple[int, int]] = []
    chunks: list[Chunk] = []
    anomalies: list[Anomaly] = []
    highest = 0
    control_seen: set[tuple[int, int]] = set()
    for segment in items:
        if segment.direction != direction:
            continue
        control = segment.bits & (FLAG_SYN | FLAG_FIN)
        if control and segment.length == 0:
            if (control, segment.seq) in control_seen:
                _note(segment, anomalies, "retransmission",
                      T("anomaly.control_again", flags=segment.flags, seq=segment.seq))
            control_seen.add((control, segment.seq))
            if control & FLAG_FIN:  # a FIN at relative seq n ends a stream of n - 1 bytes
                highest = max(highest, segment.seq - 1)
            continue
        if segment.length == 0:
            continue
        start, end = segment.seq - 1, segment.seq - 1 + segment.length
        captured_end = start + len(segment.payload)
        if captured_end < end:
            anomalies.append(Anomaly("snaplen", segment.number, direction,
                                     T("anomaly.snaplen", captured=len(segment.payload),
                                       length=segment.length)))
        fresh = _uncovered(covered, max(0, start), max(0, captured_end))
        fresh_bytes = sum(high - low for low, high in fresh)
        if fresh_bytes == 0 and end <= highest:
            _note(segment, anomalies, "retransmission",
                  T("anomaly.data_again", length=segment.length, seq=segment.seq))
        elif start < highest and fresh_bytes:
            overlap = captured_end - max(0, start) - fresh_bytes
            kind = "out-of-order" if overlap == 0 else "retransmission"
            _note(segment, anomalies, kind,
                  T("anomaly.arrives_after", seq=segment.seq, seen=highest + 1))
        elif start > highest:
            segment.notes.append("previous segment not captured")
        for low, high in fresh:
            chunks.append(Chunk(low, segment.payload[low - start:high - start], segment.number,
                                segment.time))
            covered = _cover(covered, low, high)
        highest = max(highest, end)
        if control and (control & FLAG_FIN):
            control_seen.add((FLAG_FIN, segment.seq + segment.length))
    chunks.sort(key=lambda chunk: chunk.start)
    gaps = _uncovered(covered, 0, highest)
    contiguous = gaps[0][0] if gaps else highest
    data = b"".join(chunk.data for chunk in chunks if chunk.end <= contiguous)
    for low, high in gaps:
        anomalies.append(Anomaly("gap", None, direction,
                                 T("anomaly.gap", side=side_name(direction), first=low + 1,
                                   last=high, missing=high - low)))
    return Stream(direction, data, chunks, gaps, highest), anomalies


def _note(segment: Segment, anomalies: list[Anomaly], kind: str, detail: T) -> None:
    segment.notes.append(kind)
    anomalies.append(Anomaly(kind, segment.number, segment.direction, detail))


# --- messages --------------------------------------------------------------------------------

def messages(flow: Stream) -> Messages:
    """The lines of a stream, or one message per data segment if it holds no newline at all."""
    if not flow.chunks:
        return Messages(flow.direction, "none", [])
    if not any(framing.is_line_framed(chunk.data) for chunk in flow.chunks):
        return Messages(flow.direction, "segments", _segment_messages(flow),
                        note=T("stream.unframed", side=side_name(flow.direction)))
    parsed = framing.parse(flow.data)
    items = [_message(flow, index + 1, line.start, line.end, line.payload)
             for index, line in enumerate(parsed.lines)]
    result = Messages(flow.direction, "line", items)
    if parsed.rest and not flow.gaps:
        result.problems.append(T("stream.ends_inside_a_line", side=side_name(flow.direction),
                                 rest=parsed.rest, start=parsed.rest_at + 1))
    return result


def _segment_messages(flow: Stream) -> list[Message]:
    return [Message(flow.direction, index + 1, chunk.data, chunk.start, chunk.end, chunk.number,
                    chunk.number, chunk.time, chunk.time)
            for index, chunk in enumerate(flow.chunks)]


def _message(flow: Stream, index: int, start: int, end: int, payload: bytes) -> Message:
    first = flow.chunk_at(start)
    last = flow.chunk_at(end - 1)
    assert first is not None and last is not None
    return Message(flow.direction, index, payload, start, end, first.number, last.number,
                   first.time, last.time)
