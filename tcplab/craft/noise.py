"""The rest of a student's laptop's traffic while the lab runs: what a capture holds besides the
lab's conversation."""

from __future__ import annotations

import random
import socket
import struct

from .flow import C, S, Flow, Frame


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
