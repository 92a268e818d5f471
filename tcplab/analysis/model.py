"""The analyzer's results: plain data classes, one per thing a student reads in a capture.

Directions are ``C>S`` (client to server) and ``S>C``; packet numbers are Wireshark's (1-based,
every frame of the file counted); sequence numbers are relative, as Wireshark shows them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cache

from ..i18n import Joined
from ..i18n import Text as T
from ..formats.manifest import CaptureJob
from ..formats.scenarios import Scenario
from .packet import FLAG_ACK, TcpPacket
from .capture import Capture

C2S = "C>S"
S2C = "S>C"
SIDE = {C2S: "client", S2C: "server"}
OTHER = {C2S: S2C, S2C: C2S}


@cache
def side_name(direction: str) -> T:
    """"client" or "server" in the report's language: the side that sends in `direction`."""
    return T(f"side.{SIDE[direction]}")


@dataclass(frozen=True)
class Endpoint:
    address: str
    port: int

    def __str__(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else \
            f"{self.address}:{self.port}"


@dataclass
class Conversation:
    """The packets of one TCP connection and which end is which."""

    client: Endpoint
    server: Endpoint
    roles_from: str  # "handshake", "manifest server port", "scenario port", "lower port (guess)"
    packets: list[TcpPacket]


@dataclass(slots=True)
class Segment:
    """One packet of the conversation as Wireshark shows it (relative numbers)."""

    number: int
    time: float  # seconds since the first frame of the capture
    direction: str  # C2S or S2C
    flags: str  # Wireshark's names: "SYN, ACK"
    bits: int
    seq: int  # relative, as Wireshark's tcp.seq
    ack: int  # relative, as Wireshark's tcp.ack (0 without the ACK flag)
    length: int  # tcp.len
    window: int
    payload: bytes
    mss: int | None = None
    wscale: int | None = None
    # What Wireshark would say of it ("retransmission", ...): none shares one empty tuple (a
    # capture's thousands of plain segments need no list each), `note` makes the list.
    notes: list[str] | tuple[()] = ()
    phase: str = "data"

    def note(self, text: str) -> None:
        if self.notes:
            self.notes.append(text)  # type: ignore[union-attr]
        else:
            self.notes = [text]

    def has(self, flag: int) -> bool:
        return bool(self.bits & flag)

    @property
    def pure_ack(self) -> bool:
        return self.length == 0 and self.bits & ~FLAG_ACK & 0x1FF == 0 and self.has(FLAG_ACK)


@dataclass
class Handshake:
    present: bool
    complete: bool
    packets: list[int]
    client_isn: int | None = None
    server_isn: int | None = None
    client_mss: int | None = None
    server_mss: int | None = None
    client_wscale: int | None = None
    server_wscale: int | None = None
    sack_permitted: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Chunk:
    """Bytes a packet brought to a stream for the first time."""

    start: int
    data: bytes
    number: int
    time: float

    @property
    def end(self) -> int:
        return self.start + len(self.data)


@dataclass
class Stream:
    """One direction's bytes, reassembled; offsets count from the first byte after the SYN."""

    direction: str
    chunks: list[Chunk]  # sorted, non-overlapping
    gaps: list[tuple[int, int]]  # [start, end) never captured
    length: int  # the highest offset any segment reached
    before: int = 0  # bytes sent before the capture began (no SYN of this direction captured)

    def __post_init__(self) -> None:
        self._starts = [chunk.start for chunk in self.chunks]

    def chunk_at(self, offset: int) -> Chunk | None:
        index = bisect.bisect_right(self._starts, offset) - 1
        if index >= 0 and self.chunks[index].start <= offset < self.chunks[index].end:
            return self.chunks[index]
        return None

    def stretches(self) -> list[tuple[int, bytes]]:
        """(start offset, bytes) of each run of bytes the capture holds without a gap."""
        found: list[tuple[int, list[bytes]]] = []
        end = None
        for chunk in self.chunks:
            if chunk.start != end:
                found.append((chunk.start, []))
            found[-1][1].append(chunk.data)
            end = chunk.end
        return [(start, b"".join(parts)) for start, parts in found]


@dataclass(slots=True)
class Message:
    """One application message of one direction."""

    direction: str
    index: int  # 1-based
    raw: bytes
    start: int
    end: int
    first_packet: int
    last_packet: int
    first_time: float
    last_time: float

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")


@dataclass
class Messages:
    direction: str
    framing: str  # "line", "segments" (fallback: one message per data segment), "none"
    items: list[Message]
    problems: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass(slots=True)
class Exchange:
    index: int
    request: Message | None
    reply: Message | None
    expected_request: str | None
    expected_reply: str | None
    request_ok: bool | None
    reply_ok: bool | None
    rtt: float | None
    problems: list[str] = field(default_factory=list)


@dataclass
class Teardown:
    kind: str  # "fin" (both FINs acknowledged), "reset", "half-closed", "open"
    closed_first: str | None  # "client" / "server"
    packets: list[int]
    sequence: list[str]  # "C>S FIN, ACK (10)" ...
    complete: bool
    reset_by: str | None = None
    reset_packet: int | None = None
    description: str = ""


@dataclass(slots=True)
class Anomaly:
    kind: str  # retransmission, fast retransmission, out-of-order, duplicate ack, zero window,
    #            reset, gap, late start, snaplen, framing, tcpdump drops, truncated file, checksum
    packet: int | None
    direction: str | None
    detail: str
    of: int | None = None  # a segment sent again: the packet it repeats (lost on the way)
    wait: float | None = None  # ... and the seconds TCP waited before sending it again


@dataclass
class Phases:
    handshake: list[int]
    data: list[int]
    termination: list[int]

    @property
    def text(self) -> T:
        """``handshake 1-3, data 4-9, termination 10-13``."""
        parts = [T("phase.packets", phase=T(f"phase.{name}"), packets=number_ranges(numbers))
                 for name, numbers in (("handshake", self.handshake), ("data", self.data),
                                       ("termination", self.termination)) if numbers]
        return Joined(", ", parts) if parts else T("phase.no_packets")


@dataclass
class ConversationAnalysis:
    conversation: Conversation
    segments: list[Segment]
    handshake: Handshake
    streams: dict[str, Stream]
    messages: dict[str, Messages]
    exchanges: list[Exchange]
    teardown: Teardown
    anomalies: list[Anomaly]
    phases: Phases


@dataclass
class CaptureAnalysis:
    """Everything the report says about one capture."""

    job: CaptureJob
    scenario: str
    spec: Scenario | None
    capture: Capture | None
    error: str | None  # one line: unreadable or truncated file, missing file
    main: ConversationAnalysis | None
    others: list[Conversation]
    anomalies: list[Anomaly]  # main conversation's plus the capture's own
    verdict: str  # "complete", "incomplete", "unreadable"
    reasons: list[str]
    notes: list[str]


def milliseconds(seconds: float) -> str:
    """``0.4``, ``12``, ``203``: a wait in milliseconds, to a tenth below 10 ms."""
    ms = seconds * 1000
    return f"{ms:.1f}" if ms < 10 else str(round(ms))


def number_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``1-3, 5``."""
    parts: list[str] = []
    ordered = sorted(numbers)
    start = previous = None
    for number in ordered + [None]:
        if start is not None and number is not None and previous is not None \
                and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(f"{start}-{previous}" if previous != start else f"{start}")
        start = previous = number
    return ", ".join(parts)
