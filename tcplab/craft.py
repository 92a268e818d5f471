"""Write synthetic but realistic TCP captures with dpkt, for tests and the benchmark.

A `Flow` plays one TCP connection packet by packet and keeps sequence and acknowledgement
numbers right, so a test states only what it is about::

    flow = Flow()
    flow.handshake()
    flow.send(C, b"hello\\n")
    flow.ack(S)
    flow.send(S, b"hello\\n")
    flow.ack(C)
    flow.close()
    write_pcap("x.pcap", flow.frames, link="ethernet")

Edge cases are made with the lower-level `Flow.packet` (explicit seq for a retransmission,
``R`` for a reset, no handshake at all...). `lab_flow` writes the whole standard exchange of a
scenario (the shape the seeds describe), used by the benchmark.

Frames can be wrapped in every link type the reader supports (`LINKS`) and written as pcap
(micro or nano) or pcapng.
"""

from __future__ import annotations

import random
import socket
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import dpkt

from .formats import wire

C = "C>S"
S = "S>C"

FLAG_BITS = {"F": dpkt.tcp.TH_FIN, "S": dpkt.tcp.TH_SYN, "R": dpkt.tcp.TH_RST,
             "P": dpkt.tcp.TH_PUSH, "A": dpkt.tcp.TH_ACK, "U": dpkt.tcp.TH_URG}

CLIENT_MAC = bytes.fromhex("02420ad50103")
SERVER_MAC = bytes.fromhex("02420ad50102")


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


# --- link layers -----------------------------------------------------------------------------

def _ethertype(ip: bytes) -> int:
    return 0x86DD if ip[0] >> 4 == 6 else 0x0800


def _ethernet(frame: Frame) -> bytes:
    src, dst = (CLIENT_MAC, SERVER_MAC) if frame.direction == C else (SERVER_MAC, CLIENT_MAC)
    return dst + src + struct.pack(">H", _ethertype(frame.ip)) + frame.ip


def _null(frame: Frame) -> bytes:
    family = 30 if frame.ip[0] >> 4 == 6 else 2  # macOS AF_INET6 / AF_INET, little-endian host
    return struct.pack("<I", family) + frame.ip


def _loop(frame: Frame) -> bytes:
    family = 24 if frame.ip[0] >> 4 == 6 else 2
    return struct.pack(">I", family) + frame.ip


def _sll(frame: Frame) -> bytes:
    packet_type = 4 if frame.direction == C else 0
    mac = CLIENT_MAC if frame.direction == C else SERVER_MAC
    return struct.pack(">HHH8sH", packet_type, 1, 6, mac + b"\0\0", _ethertype(frame.ip)) \
        + frame.ip


def _sll2(frame: Frame) -> bytes:
    packet_type = 4 if frame.direction == C else 0
    mac = CLIENT_MAC if frame.direction == C else SERVER_MAC
    return struct.pack(">HHiHBB8s", _ethertype(frame.ip), 0, 3, 1, packet_type, 6,
                       mac + b"\0\0") + frame.ip


def _raw(frame: Frame) -> bytes:
    return frame.ip


LINKS: dict[str, tuple[int, Callable[[Frame], bytes]]] = {
    "ethernet": (1, _ethernet),
    "null": (0, _null),
    "loop": (108, _loop),
    "sll": (113, _sll),
    "sll2": (276, _sll2),
    "raw": (101, _raw),
}


def write_pcap(path: str | Path, frames: Iterable[Frame], link: str = "ethernet",
               nano: bool = False) -> Path:
    """Write frames as a classic pcap file."""
    linktype, wrap = LINKS[link]
    path = Path(path)
    with path.open("wb") as out:
        writer = dpkt.pcap.Writer(out, snaplen=262144, linktype=linktype, nano=nano)
        for frame in frames:
            writer.writepkt(wrap(frame), ts=frame.time)
    return path


def write_pcapng(path: str | Path, frames: Iterable[Frame], link: str = "ethernet") -> Path:
    """Write frames as a pcapng file (one section, one interface)."""
    linktype, wrap = LINKS[link]
    path = Path(path)
    with path.open("wb") as out:
        writer = dpkt.pcapng.Writer(out, snaplen=262144, linktype=linktype)
        for frame in frames:
            writer.writepkt(wrap(frame), ts=frame.time)
    return path


# --- a whole lab exchange --------------------------------------------------------------------

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


# --- the rest of a laptop's traffic ----------------------------------------------------------

def udp_packet(src: tuple[str, int], dst: tuple[str, int], payload: bytes) -> bytes:
    """An IPv4 or IPv6 (by address) packet holding one UDP datagram."""
    datagram = struct.pack(">HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    return ip_header(src[0], dst[0], 17, datagram)


def ip_header(src: str, dst: str, protocol: int, payload: bytes,
              extensions: list[tuple[int, bytes]] = ()) -> bytes:
    """An IP packet of `protocol` around `payload`; for IPv6, `extensions` are (type, body)
    extension headers put before it (each body padded to whole 8-byte units, as IPv6 wants)."""
    if ":" not in src:
        header = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64,
                             protocol, 0, socket.inet_aton(src), socket.inet_aton(dst))
        return header + payload
    chain = b""
    kinds = [kind for kind, _ in extensions] + [protocol]
    for (kind, body), following in zip(extensions, kinds[1:]):
        if kind == 44:  # a fragment header is 8 bytes whatever its body says
            chain += struct.pack(">BB", following, 0) + body[:6].ljust(6, b"\0")
            continue
        size = len(body) + 2 + (-(len(body) + 2) % 8)
        chain += struct.pack(">BB", following, size // 8 - 1) + body.ljust(size - 2, b"\0")
    first = kinds[0]
    return (struct.pack(">IHBB16s16s", 6 << 28, len(chain) + len(payload), first, 64,
                        socket.inet_pton(socket.AF_INET6, src),
                        socket.inet_pton(socket.AF_INET6, dst)) + chain + payload)


def noise(count: int, start: float, seed: int = 0, step: float = 0.004) -> list[Frame]:
    """`count` packets of what else a student's laptop sends while the lab runs: DNS, QUIC
    (IPv4 and IPv6), a TLS download over TCP on port 443, ICMP, IPsec ESP over IPv6 and IPv6 with
    hop-by-hop options and a fragment header; the same for the same seed."""
    chooser = random.Random(seed)
    laptop, laptop6 = "192.168.1.23", "2001:db8:1::23"
    frames: list[Frame] = []
    download = Flow(client=(laptop, 50000 + seed % 10000), server=("93.184.216.34", 443),
                    start=start, step=step)
    download.handshake()
    clock = start
    while len(frames) + len(download.frames) < count:
        clock += chooser.expovariate(1 / step)
        kind = chooser.random()
        if kind < 0.45:  # the download: a full segment, sometimes acknowledged
            download.clock = clock
            download.send(S, bytes(chooser.getrandbits(8) for _ in range(64)) * 22, flags="A")
            if chooser.random() < 0.5:
                download.ack(C, delay=0.0001)
            continue
        if kind < 0.6:
            port = chooser.randrange(30000, 60000)
            ip = udp_packet((laptop, port), ("192.168.1.1", 53), b"\x12\x34\x01\x00" + b"q" * 30)
        elif kind < 0.8:
            ip = udp_packet((laptop6, 443), ("2001:db8:2::443", 443), b"\xc0" + b"Q" * 1199)
        elif kind < 0.87:
            ip = ip_header(laptop, "192.168.1.1", 1, b"\x08\x00\x00\x00" + b"ping" * 8)
        elif kind < 0.94:
            ip = ip_header(laptop6, "2001:db8:3::1", 50, b"\x00\x00\x10\x01" + b"E" * 120)
        else:
            ip = ip_header(laptop6, "2001:db8:3::1", 17, struct.pack(">HHHH", 5353, 5353, 12, 0)
                           + b"mdns", extensions=[(0, b"\x01\x00"), (44, b"\x00\x00\x00\x00")])
        frames.append(Frame(clock, C, ip))
    return sorted(frames + download.frames[:count - len(frames)], key=lambda f: f.time)
