"""Each direction's byte stream, reassembled, and the application messages in it.

`stream` puts the data segments of one direction in sequence order, the way Wireshark's TCP
analysis names what it sees: bytes already seen count once (a *retransmission*, or a *fast
retransmission* when the other side asked for them with at least two duplicate ACKs, see
`connection.duplicate_acks`); a segment behind the furthest one that comes sooner after it than
the handshake's round trip (3 ms when the capture holds no handshake) is *out-of-order*, as
Wireshark names it, whether or not its bytes were seen before, unless the other side's last
ACK already covers them (a spurious retransmission); later it is a retransmission;
bytes that no segment brought are gaps. A segment sent again whose first sending was never
acknowledged marks that first one lost, whatever Wireshark's name for the second. Data carried by a SYN (TCP Fast Open) starts one
sequence number after it. When the capture holds no SYN of a direction, the bytes before the
first one it holds were sent before the capture began: not a gap.

`messages` splits the stream into newline-terminated lines (DESIGN.md) or, when the stream holds
no newline at all (the original seed programs send bare text), falls back to one message per
data segment and says so. Lines are read in every stretch of bytes the capture holds, also after
a gap, so a capture that missed one segment still shows the messages around it. Every message
knows the packets that carried its first and last byte.

Everything here is linear in the segments and the bytes: the covered ranges are kept sorted and
found by bisection, never sorted again per segment.
"""

from __future__ import annotations

import bisect

from ..formats import wire
from ..i18n import Text as T
from .model import Anomaly, Chunk, Message, Messages, Segment, Stream, milliseconds, side_name
from .packet import FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN

OUT_OF_ORDER_SECONDS = 0.003  # Wireshark's reordering window when it knows no round trip
FAST_RETRANSMISSION_SECONDS = 0.020  # Wireshark: within 20 ms of the duplicate ACKs
FAST_RETRANSMISSION_DUPLICATES = 2  # duplicate ACKs that ask for a fast retransmission
GAPS_NAMED = 20  # holes named one by one in a stream; the rest in one sentence

# --- reassembly ---------------------------------------------------------------------------------


class Covered:
    """Disjoint, sorted [low, high) ranges of a stream: which bytes some segment brought."""

    def __init__(self) -> None:
        self.lows: list[int] = []
        self.highs: list[int] = []

    def add(self, start: int, end: int) -> list[tuple[int, int]]:
        """Cover [start, end); the parts of it that were not covered before, in order."""
        if start >= end:
            return []
        lows, highs = self.lows, self.highs
        if not lows or start > highs[-1]:  # the usual case: new bytes beyond everything seen
            lows.append(start)
            highs.append(end)
            return [(start, end)]
        first = bisect.bisect_left(highs, start)  # the first range that ends at or after start
        last = bisect.bisect_right(lows, end)  # the ranges from `first` up to here touch it
        fresh: list[tuple[int, int]] = []
        position = start
        for index in range(first, last):
            if lows[index] > position:
                fresh.append((position, min(lows[index], end)))
            position = max(position, highs[index])
        if position < end:
            fresh.append((position, end))
        if first < last:
            lows[first:last] = [min(start, lows[first])]
            highs[first:last] = [max(end, highs[last - 1])]
        else:
            lows.insert(first, start)
            highs.insert(first, end)
        return fresh

    def holes(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) that no range covers."""
        found: list[tuple[int, int]] = []
        position = start
        for low, high in zip(self.lows, self.highs):
            if high <= position:
                continue
            if low >= end:
                break
            if low > position:
                found.append((position, low))
            position = high
        if position < end:
            found.append((position, end))
        return found


class ReverseAcks:
    """What the other side has acknowledged, as a direction's stream reads it (fast retransmits)."""

    def __init__(self) -> None:
        self.ack: int | None = None
        self.highest = 0  # the furthest acknowledgement: bytes below it - 1 arrived
        self.duplicates = 0
        self.time = 0.0

    def see(self, segment: Segment) -> None:
        if segment.bits & FLAG_RST or not segment.has(FLAG_ACK):
            return
        if "duplicate ack" in segment.notes and segment.ack == self.ack:
            self.duplicates += 1
        else:
            self.ack, self.duplicates = segment.ack, 0
        self.highest = max(self.highest, segment.ack)
        self.time = segment.time

    def asks_for(self, segment: Segment, first_byte: int) -> bool:
        return (self.duplicates >= FAST_RETRANSMISSION_DUPLICATES and self.ack == first_byte
                and segment.time - self.time < FAST_RETRANSMISSION_SECONDS)


def stream(items: list[Segment], direction: str) -> tuple[Stream, list[Anomaly]]:
    """Reassemble one direction; note retransmissions, out-of-order and missing segments."""
    covered = Covered()
    chunks: list[Chunk] = []
    anomalies: list[Anomaly] = []
    highest = 0  # the furthest relative offset reached: Wireshark's "next expected seq" - 1
    highest_time = 0.0
    syn_seen = False
    control_seen: set[tuple[int, int]] = set()
    reverse = ReverseAcks()
    first_sent: dict[int, Segment] = {}  # offset -> the segment that first carried bytes from it
    reorder = initial_rtt(items) or OUT_OF_ORDER_SECONDS
    for segment in items:
        if segment.direction != direction:
            reverse.see(segment)
            continue
        control = segment.bits & (FLAG_SYN | FLAG_FIN)
        syn_seen = syn_seen or bool(control & FLAG_SYN)
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
        first_byte = segment.seq + 1 if control & FLAG_SYN else segment.seq  # data after a SYN
        start, end = first_byte - 1, first_byte - 1 + segment.length
        captured_end = start + len(segment.payload)
        if captured_end < end:
            anomalies.append(Anomaly("snaplen", segment.number, direction,
                                     T("anomaly.snaplen", captured=len(segment.payload),
                                       length=segment.length)))
        fresh = covered.add(max(0, start), max(0, captured_end))
        fresh_bytes = sum(high - low for low, high in fresh)
        if start < highest or (fresh_bytes == 0 and end <= highest):
            if reverse.asks_for(segment, first_byte):
                kind = "fast retransmission"
            elif reverse.ack and first_byte + segment.length <= reverse.ack:
                kind = "retransmission"  # Wireshark's spurious one: the other side had them all
            elif segment.time - highest_time < reorder and end != highest:
                kind = "out-of-order"
            else:
                kind = "retransmission"
            original = first_sent.get(start) if fresh_bytes == 0 else None
            if original is not None and reverse.highest <= first_byte:
                # Sent, never acknowledged, sent again: the first one was lost on its way.
                original.note("lost")
                detail = T("anomaly.resent_lost", length=segment.length, seq=first_byte,
                           packet=original.number, side=side_name(direction),
                           wait=milliseconds(segment.time - original.time),
                           how=_how_resent(kind, reverse.duplicates, reorder))
                segment.note(kind)
                anomalies.append(Anomaly(kind, segment.number, direction, detail,
                                         of=original.number,
                                         wait=segment.time - original.time))
            else:
                _note(segment, anomalies, kind,
                      T("anomaly.data_again", length=segment.length, seq=first_byte)
                      if fresh_bytes == 0 else
                      T("anomaly.arrives_after", seq=first_byte, seen=highest + 1))
        elif start > highest:
            segment.note("previous segment not captured")
        for low, high in fresh:
            chunks.append(Chunk(low, segment.payload[low - start:high - start], segment.number,
                                segment.time))
        first_sent.setdefault(start, segment)
        if end > highest:
            highest, highest_time = end, segment.time
        if control & FLAG_FIN:
            control_seen.add((FLAG_FIN, segment.seq + segment.length))
    chunks.sort(key=lambda chunk: chunk.start)
    before = chunks[0].start if chunks and not syn_seen else 0  # sent before the capture began
    gaps = covered.holes(before, highest)
    if before:
        anomalies.append(Anomaly("late start", None, direction,
                                 T("anomaly.late_start", side=side_name(direction),
                                   missing=before)))
    for low, high in gaps[:GAPS_NAMED]:
        anomalies.append(Anomaly("gap", None, direction,
                                 T("anomaly.gap", side=side_name(direction), first=low + 1,
                                   last=high, missing=high - low)))
    if len(gaps) > GAPS_NAMED:  # thousands of holes read as one sentence, not thousands
        rest = gaps[GAPS_NAMED:]
        anomalies.append(Anomaly("gap", None, direction,
                                 T("anomaly.more_gaps", side=side_name(direction), count=len(rest),
                                   first=rest[0][0] + 1, last=rest[-1][1],
                                   missing=sum(high - low for low, high in rest))))
    return Stream(direction, chunks, gaps, highest, before), anomalies


def initial_rtt(items: list[Segment]) -> float | None:
    """Wireshark's initial round-trip time: from the last SYN to the first ACK after it, None
    when the capture holds no SYN."""
    syn_time = None
    for segment in items:
        syn_ack = segment.bits & (FLAG_SYN | FLAG_ACK)
        if syn_ack == FLAG_SYN:
            syn_time = segment.time
        elif syn_ack == FLAG_ACK and syn_time is not None:
            return max(segment.time - syn_time, 0.0) or None
    return None


def _how_resent(kind: str, duplicates: int, reorder: float) -> T:
    """Why a lost segment was sent again, whatever Wireshark names the second sending."""
    if kind == "fast retransmission":
        return T("anomaly.after_duplicates", count=duplicates)
    how = T("anomaly.after_duplicate", count=duplicates) if duplicates \
        else T("anomaly.after_timeout")
    if kind == "out-of-order":
        return T("anomaly.named_out_of_order", how=how, window=milliseconds(reorder))
    return how


def _note(segment: Segment, anomalies: list[Anomaly], kind: str, detail: T) -> None:
    segment.note(kind)
    anomalies.append(Anomaly(kind, segment.number, segment.direction, detail))


# --- messages --------------------------------------------------------------------------------

def messages(flow: Stream) -> Messages:
    """The lines of a stream, or one message per data segment if it holds no newline at all."""
    if not flow.chunks:
        return Messages(flow.direction, "none", [])
    if not any(wire.is_line_framed(chunk.data) for chunk in flow.chunks):
        return Messages(flow.direction, "segments", _segment_messages(flow),
                        note=T("stream.unframed", side=side_name(flow.direction)))
    items: list[Message] = []
    result = Messages(flow.direction, "line", items)
    stretches = flow.stretches()
    for number, (start, data) in enumerate(stretches):
        parsed = wire.parse(data)
        for line in parsed.lines:
            items.append(_message(flow, len(items) + 1, start + line.start, start + line.end,
                                  line.payload))
        last = number == len(stretches) - 1
        if parsed.rest and last and start + len(data) >= flow.length:
            result.problems.append(T("stream.ends_inside_a_line", side=side_name(flow.direction),
                                     rest=parsed.rest, start=start + parsed.rest_at + 1))
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
