"""A TCP connection played packet by packet (`Flow`), its IP packets (`ip_packet`), and a whole
lab exchange of a scenario (`lab_flow`)."""

from __future__ import annotations

import socket
import struct
import zlib
from dataclasses import dataclass, field

import dpkt

from ..formats import wire

C = "C>S"
S = "S>C"

FLAG_BITS = {"F": dpkt.tcp.TH_FIN, "S": dpkt.tcp.TH_SYN, "R": dpkt.tcp.TH_RST,
             "P": dpkt.tcp.TH_PUSH, "A": dpkt.tcp.TH_ACK, "U": dpkt.tcp.TH_URG}


@dataclass(frozen=True)
class Frame:
    """One IP packet to write, with its time and direction (the link layer is added later)."""

    time: float
    direction: str
    ip: bytes


@dataclass
class Flow:
    """One TCP connection, played packet by packet with consistent seq/ack numbers."""

    client: tuple[str, int] = ("10.213.1.3", 42476)
    server: tuple[str, int] = ("10.213.1.2", 2222)
    start: float = 1763745781.0
    client_isn: int = 1675385158
    server_isn: int = 1563927716
    step: float = 0.000150  # seconds between packets unless told otherwise
    window: int = 502
    frames: list[Frame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.clock = self.start
        self.next_seq = {C: self.client_isn, S: self.server_isn}
        self.acked = {C: 0, S: 0}  # what each side acknowledges of the other's stream

    def packet(self, direction: str, flags: str, payload: bytes = b"", *, seq: int | None = None,
               ack: int | None = None, delay: float | None = None, window: int | None = None,
               options: bytes = b"") -> Frame:
        """Append one segment; `seq` given means a resend (the sequence does not advance)."""
        self.clock += self.step if delay is None else delay
        bits = 0
        for letter in flags:
            bits |= FLAG_BITS[letter]
        resend = seq is not None
        seq = self.next_seq[direction] if seq is None else seq
        if ack is None:
            ack = self.acked[direction] if bits & dpkt.tcp.TH_ACK else 0
        src, dst = (self.client, self.server) if direction == C else (self.server, self.client)
        frame = Frame(self.clock, direction, ip_packet(src, dst, seq, ack, bits, payload,
                                                        self.window if window is None else window,
                                                        options))
        self.frames.append(frame)
        end = (seq + len(payload) + (1 if bits & (dpkt.tcp.TH_SYN | dpkt.tcp.TH_FIN) else 0)) \
            & 0xFFFFFFFF
        if not resend:
            self.next_seq[direction] = end
        if not resend:
            self.acked[S if direction == C else C] = end  # the other side acknowledges this
        return frame

    def handshake(self, mss: int = 1460, wscale: int = 7) -> None:
        """SYN, SYN-ACK, ACK with Linux-like options."""
        options = syn_options(mss, wscale)
        self.packet(C, "S", options=options, window=64240)
        self.packet(S, "SA", options=options, window=65160)
        self.packet(C, "A")

    def send(self, direction: str, payload: bytes, flags: str = "PA",
             delay: float | None = None) -> Frame:
        return self.packet(direction, flags, payload, delay=delay)

    def ack(self, direction: str, delay: float | None = None) -> Frame:
        return self.packet(direction, "A", delay=delay)

    def close(self, first: str = C, four_way: bool = False) -> None:
        """The FIN exchange: three packets (FIN, FIN+ACK, ACK) or four (FIN, ACK, FIN, ACK)."""
        second = S if first == C else C
        self.packet(first, "FA")
        if four_way:
            self.packet(second, "A")
        self.packet(second, "FA")
        self.packet(first, "A")

    def reset(self, direction: str) -> Frame:
        return self.packet(direction, "RA")


def syn_options(mss: int, wscale: int) -> bytes:
    """MSS, SACK permitted, NOP, window scale: what Linux puts in a SYN (less timestamps)."""
    return (struct.pack(">BBH", 2, 4, mss) + b"\x04\x02" + b"\x01"
            + struct.pack(">BBB", 3, 3, wscale))


def ip_packet(src: tuple[str, int], dst: tuple[str, int], seq: int, ack: int, flags: int,
              payload: bytes, window: int, options: bytes = b"") -> bytes:
    """An IPv4 (or IPv6, by address) packet holding one TCP segment, checksums filled."""
    options = options + b"\x01" * (-len(options) % 4)
    segment = dpkt.tcp.TCP(sport=src[1], dport=dst[1], seq=seq, ack=ack, flags=flags, win=window,
                           opts=options, data=payload)
    segment.off = (20 + len(options)) // 4
    if ":" in src[0]:
        packet6 = dpkt.ip6.IP6(src=socket.inet_pton(socket.AF_INET6, src[0]),
                               dst=socket.inet_pton(socket.AF_INET6, dst[0]), nxt=6, hlim=64,
                               data=segment, plen=len(bytes(segment)))
        packet6.p = 6
        segment.sum = 0
        return bytes(packet6)
    packet = dpkt.ip.IP(src=socket.inet_aton(src[0]), dst=socket.inet_aton(dst[0]),
                        p=dpkt.ip.IP_PROTO_TCP, ttl=64, id=0, df=1, data=segment)
    packet.len = 20 + len(bytes(segment))
    return bytes(packet)


def reply_for(reply_format: str, message: str) -> str:
    return reply_format.replace("{message}", message)


def lab_flow(messages: list[str], reply_format: str, *, client: tuple[str, int],
             server: tuple[str, int], start: float, server_acks_first: bool = True,
             four_way: bool = False, think: float = 0.0004, rtt: float = 0.00012) -> Flow:
    """The standard exchange of a scenario, as the lab programs produce it.

    Handshake; per message: client data (PSH, ACK), optionally a pure ACK from the server,
    the server's reply (PSH, ACK), the client's ACK; then the client closes first.
    """
    flow = Flow(client=client, server=server, start=start,
                client_isn=zlib.crc32(f"{client}{start}".encode()),
                server_isn=zlib.crc32(f"{server}{start}".encode()))
    flow.handshake()
    for message in messages:
        flow.send(C, wire.encode(message), delay=think)
        if server_acks_first:
            flow.ack(S, delay=rtt / 4)
        flow.send(S, wire.encode(reply_for(reply_format, message)), delay=rtt)
        flow.ack(C, delay=rtt / 3)
    flow.close(first=C, four_way=four_way)
    return flow
