"""The annotated copy of a capture: every packet says what it is, in the course's words.

`packet_comments` reads an analysed capture the way the seeds read one in Wireshark, row by
row - the handshake (``SYN: the client asks to open a connection (handshake 1/3)``), each data
packet (``client sends 'halo' (5 bytes)``, ``server confirms the 5 bytes it received``), the
termination (``FIN: the client asks to close the connection``), what TCP did about a loss
(duplicate ACKs, the segment sent again) and, for a capture that is not complete, what is wrong
where it shows (``no reply to 'halo'``). Packets of other conversations and frames that are not
TCP say so. `write_annotated` writes the capture again as pcapng with these comments (the
packets themselves untouched, the original file left as it was): Wireshark shows them in each
packet's details and under Expert Information, ``tshark -T fields -e frame.comment`` prints them.
"""

from __future__ import annotations

import bisect
import struct
from collections import defaultdict
from pathlib import Path

from ..analysis.exchanges import show
from ..i18n import Language
from ..i18n import Text as T
from ..formats.manifest import ANNOTATED
from ..analysis.model import C2S, OTHER, CaptureAnalysis, ConversationAnalysis, Segment, side_name
from ..analysis.packet import FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN
from ..analysis.capture import RawFrame

SHOWN = 50  # characters of a message quoted in a comment
RESENT = ("retransmission", "fast retransmission", "out-of-order", "duplicate ack")


def packet_comments(result: CaptureAnalysis) -> dict[int, list[T]]:
    """Frame number -> what the frame is, for every frame of the capture's TCP conversations."""
    said: dict[int, list[T]] = defaultdict(list)
    main = result.main
    if main is not None:
        _handshake(main, said)
        _data(main, said)
        _termination(main, said)
        for anomaly in main.anomalies:
            if anomaly.packet is not None and anomaly.kind in RESENT:
                said[anomaly.packet].append(T("annotate.anomaly", kind=T(f"kind.{anomaly.kind}"),
                                              detail=anomaly.detail))
            if anomaly.packet is not None and anomaly.of is not None:
                said[anomaly.of].append(T("annotate.lost", packet=anomaly.packet))
        _problems(result, main, said)
    for other in result.others:
        for packet in other.packets:
            said[packet.number].append(T("annotate.other_conversation", client=str(other.client),
                                         server=str(other.server)))
    return said


def _handshake(main: ConversationAnalysis, said: dict[int, list[T]]) -> None:
    seen_syn = False
    for segment in main.segments:
        if segment.phase != "handshake":
            continue
        if segment.has(FLAG_SYN) and not segment.has(FLAG_ACK):
            said[segment.number].append(T("annotate.syn_again" if seen_syn else "annotate.syn"))
            seen_syn = True
        elif segment.has(FLAG_SYN):
            said[segment.number].append(T("annotate.synack"))
        elif segment.number in main.handshake.packets:
            said[segment.number].append(T("annotate.handshake_ack"))


def _data(main: ConversationAnalysis, said: dict[int, list[T]]) -> None:
    """What each data packet carries (messages, whole or in part) and what each ACK confirms."""
    items = {direction: main.messages[direction].items for direction in main.messages}
    starts = {direction: [m.start for m in messages] for direction, messages in items.items()}
    acked: dict[str, int] = {}  # direction -> the highest acknowledgement it sent
    for segment in main.segments:
        direction = segment.direction
        if segment.length:
            first = (segment.seq + 1 if segment.has(FLAG_SYN) else segment.seq) - 1
            said[segment.number].append(_carries(segment, first, items[direction],
                                                 starts[direction]))
        if segment.has(FLAG_ACK) and not segment.has(FLAG_SYN) and segment.phase == "data":
            before = acked.get(direction)
            if before is not None and segment.ack > before and not segment.length:
                said[segment.number].append(T("annotate.confirms", side=side_name(direction),
                                              bytes=segment.ack - before))
            elif before is not None and not segment.length and segment.ack == before \
                    and "duplicate ack" not in segment.notes:
                said[segment.number].append(T("annotate.ack_nothing_new",
                                              side=side_name(direction)))
        if segment.has(FLAG_ACK):
            acked[direction] = max(acked.get(direction, segment.ack), segment.ack)


def _carries(segment: Segment, first: int, messages, starts: list[int]) -> T:
    end = first + segment.length
    side = side_name(segment.direction)
    index = max(0, bisect.bisect_right(starts, first) - 1)
    whole, parts = [], []
    for message in messages[index:]:
        if message.start >= end:
            break
        if message.end <= first:
            continue
        if first <= message.start and message.end <= end:
            whole.append(message)
        else:
            parts.append(message)
    if len(whole) == 1 and not parts:
        return T("annotate.sends", side=side, message=show(whole[0].text, SHOWN),
                 bytes=segment.length)
    if whole and not parts:
        return T("annotate.sends_many", side=side, count=len(whole), bytes=segment.length,
                 messages=", ".join(show(m.text, SHOWN // 2) for m in whole[:3])
                 + (", ..." if len(whole) > 3 else ""))
    if parts and not whole:
        message = parts[0]
        return T("annotate.sends_part", side=side, number=message.index,
                 message=show(message.text, SHOWN), bytes=segment.length,
                 total=len(message.raw) + 1)
    return T("annotate.sends_bytes", side=side, bytes=segment.length)


def _termination(main: ConversationAnalysis, said: dict[int, list[T]]) -> None:
    close = main.teardown
    by_number = {s.number: s for s in main.segments}
    closer = C2S if close.closed_first == "client" else OTHER[C2S]
    fins: dict[str, int] = {}
    for number in close.packets:
        segment = by_number.get(number)
        if segment is None:
            continue
        side = side_name(segment.direction)
        if segment.has(FLAG_RST):
            said[number].append(T("annotate.reset", side=side))
        elif segment.has(FLAG_FIN):
            fins[segment.direction] = number
            if segment.direction == closer:
                said[number].append(T("annotate.fin_first", side=side))
            elif closer in fins and segment.has(FLAG_ACK) and close.complete \
                    and len(close.packets) == 3:
                said[number].append(T("annotate.fin_second_acks", side=side,
                                      other=side_name(closer)))
            else:
                said[number].append(T("annotate.fin_second", side=side))
        elif len(fins) == 2 or (segment.direction == closer and fins):
            said[number].append(T("annotate.last_ack", side=side))
        else:
            said[number].append(T("annotate.fin_ack", side=side, other=side_name(closer)))


def _problems(result: CaptureAnalysis, main: ConversationAnalysis,
              said: dict[int, list[T]]) -> None:
    """What is wrong, on the packet where it shows."""
    if result.job.reasons and main.segments:  # the capture's own (a copy, nobody's)
        for reason in result.job.reasons:
            said[main.segments[0].number].append(T("annotate.problem", problem=reason))
    for item in main.exchanges:
        if not item.problems:
            continue
        if item.reply is not None and item.reply_ok is False:
            where = item.reply.first_packet
        elif item.request is not None:
            where = item.request.last_packet
        else:
            continue
        for problem in item.problems:
            said[where].append(T("annotate.problem", problem=problem))


# --- the annotated pcapng ------------------------------------------------------------------------

def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def _block(kind: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def annotated_pcapng(frames: list[RawFrame], comments: dict[int, str]) -> bytes:
    """A pcapng of `frames` (one interface per link type, nanosecond time stamps), each with its
    comment (``opt_comment``)."""
    comment_of = _option(1, "Annotated by tcplab: each packet's comment says what it is.".encode())
    out = [_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + comment_of
                  + _option(0, b""))]
    interfaces: dict[int, int] = {}
    for number, frame in enumerate(frames, start=1):
        if frame.linktype not in interfaces:
            interfaces[frame.linktype] = len(interfaces)
            out.append(_block(1, struct.pack("<HHI", frame.linktype & 0xFFFF, 0, 0)
                              + _option(9, b"\x09") + _option(0, b"")))
        stamp = int(round(frame.time * 1e9))
        options = b""
        if number in comments:
            options = _option(1, comments[number].encode("utf-8")) + _option(0, b"")
        body = struct.pack("<IIIII", interfaces[frame.linktype], stamp >> 32, stamp & 0xFFFFFFFF,
                           len(frame.data), len(frame.data))
        out.append(_block(6, body + frame.data + b"\0" * (-len(frame.data) % 4) + options))
    return b"".join(out)


def comments_in(result: CaptureAnalysis, frames: int, lang: Language) -> dict[int, str]:
    """Every frame's comment in `lang`: what `packet_comments` says, else that it is not TCP."""
    said = packet_comments(result)
    tcp = {packet.number for packet in result.capture.packets} if result.capture else set()
    other = T("annotate.not_tcp")
    return {number: "; ".join(lang.render(text) for text in said[number]) if said.get(number)
            else lang.render(T("annotate.in_conversation") if number in tcp else other)
            for number in range(1, frames + 1)}


def annotated_name(pcap_name: str) -> str:
    """``reqresp.pcap`` -> ``reqresp.annotated.pcapng`` (also from ``.pcapng``, ``.pcap.gz``)."""
    stem = Path(pcap_name).name
    for suffix in (".gz", ".pcapng", ".pcap", ".cap"):
        stem = stem[: -len(suffix)] if stem.lower().endswith(suffix) else stem
    return stem + ANNOTATED
