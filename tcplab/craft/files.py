"""Frames wrapped in every link type the reader supports (`LINKS`), written as pcap (micro or
nano) or pcapng."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Callable, Iterable

import dpkt

from .flow import C, Frame

CLIENT_MAC = bytes.fromhex("02420ad50103")
SERVER_MAC = bytes.fromhex("02420ad50102")


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
