"""Frames as their link layer, IPv4/IPv6 and TCP carry them: headers decoded, the segment kept.

`decode` takes one frame of any link type a capture can have (`links`: Ethernet with VLAN tags
and PPPoE, Linux cooked v1/v2, BSD loopback, PPP, raw IP) and returns its TCP segment as a
`TcpPacket`, or why there is none: IPv6 extension headers are walked (hop-by-hop, routing,
destination options, an atomic fragment header, AH, mobility, HIP, shim6); an IP fragment,
encrypted IPsec (ESP), another protocol or a header cut short is a reason, a `Text` made once per
kind (a capture may hold millions of such frames). Headers are decoded with `struct`, every
length checked: no content raises.
"""

from __future__ import annotations

import socket
import struct
from functools import lru_cache

from ..i18n import Text as T
from .links import network_layer, u16, why
from .packet import TcpPacket

# IPv6 extension headers walked to the transport header: their length is (byte 1 + 1) * 8.
IPV6_EXTENSIONS = frozenset((0, 43, 60, 135, 139, 140, 253, 254))
IP_FRAGMENT_HEADER, IP_AH, IP_ESP, IP_NO_NEXT, IP_TCP = 44, 51, 50, 59, 6

_U16 = struct.Struct(">H")
_IPV4 = struct.Struct(">BBHHHBBH4s4s")
_IPV6 = struct.Struct(">IHBB16s16s")
_TCP = struct.Struct(">HHIIHH")


def decode(number: int, time: float, linktype: int, data: bytes | memoryview,
           ports: frozenset[int] | None = None) -> TcpPacket | T:
    """The TCP segment frame `number` carries, or why it carries none. `ports`, when given, are
    the only ports whose payloads are kept (`capture.read_capture`)."""
    found = network_layer(linktype, data)
    if type(found) is tuple:
        return _tcp_packet(number, time, found[0], found[1], ports)
    return found


@lru_cache(maxsize=4096)
def _address4(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET, raw)


# Ports and windows, shared by every packet that carries the same value: 16-bit, so at most
# 65,536 entries, and a capture's packets keep about 100 bytes less each (a smaller working set
# misses the processor's caches less: reading time grows closer to linearly with the packets).
_SHARED: dict[int, int] = {}


@lru_cache(maxsize=4096)
def _address6(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6, raw)


# A payload up to this size is kept as bytes of its own (33 bytes plus its length), not as a view
# into the file (a memoryview is 184 bytes): a lab's lines and every pure ACK.
SMALL_PAYLOAD = 150


def _tcp_packet(number: int, time: float, version: int, data: bytes,
                ports: frozenset[int] | None = None) -> TcpPacket | T:
    """The TCP segment in an IP packet, or why there is none."""
    size = len(data)
    if version == 4:
        if size < 20:
            return why("frame.ip_cut")
        first, _, total, _, fragment, _, protocol, _, raw_src, raw_dst = _IPV4.unpack_from(data)
        header = (first & 0x0F) * 4
        if first >> 4 != 4 or header < 20:
            return why("frame.ip_malformed")
        if size < header:
            return why("frame.ip_cut")
        if fragment & 0x3FFF:  # more fragments, or an offset: a piece of a bigger packet
            return why("frame.ip_fragment")
        if protocol != IP_TCP:
            return why("frame.ip_protocol", protocol=_protocol(protocol))
        if total == 0:  # TCP segmentation offload: the length is the captured one
            total = size
        elif total < header:
            return why("frame.ip_malformed")
        src, dst = _address4(raw_src), _address4(raw_dst)
        start, end = header, total
    elif version == 6:
        if size < 40:
            return why("frame.ip_cut")
        first, payload_length, protocol, _, raw_src, raw_dst = _IPV6.unpack_from(data)
        if first >> 28 != 6:
            return why("frame.ip_malformed")
        start = 40
        end = 40 + payload_length if payload_length else size  # 0: a jumbogram
        while protocol != IP_TCP:
            if protocol in IPV6_EXTENSIONS or protocol == IP_AH:
                if size < start + 2:
                    return why("frame.ip_cut")
                following, units = data[start], data[start + 1]
                start += (units + 2) * 4 if protocol == IP_AH else (units + 1) * 8
                protocol = following
            elif protocol == IP_FRAGMENT_HEADER:
                if size < start + 8:
                    return why("frame.ip_cut")
                if u16(data, start + 2) & 0xFFF9:  # an offset or more fragments
                    return why("frame.ipv6_fragment")
                protocol, start = data[start], start + 8  # an atomic fragment: whole
            else:
                return why("frame.ipv6_next_header", protocol=_protocol(protocol))
        src, dst = _address6(raw_src), _address6(raw_dst)
    else:
        return why("frame.ip_malformed")
    if size < start + 20:
        return why("frame.tcp_cut")
    sport, dport, seq, ack, off_flags, window = _TCP.unpack_from(data, start)
    # one int object per port and window value, not one per packet (each would be kept)
    sport, dport = _SHARED.setdefault(sport, sport), _SHARED.setdefault(dport, dport)
    window = _SHARED.setdefault(window, window)
    header = (off_flags >> 12) * 4
    if header < 20:
        return why("frame.tcp_malformed")
    length = max(0, end - start - header)
    if (ports is None or sport in ports or dport in ports) and length:
        payload = data[start + header:start + header + length]  # empty when snaplen cut it
        if len(payload) <= SMALL_PAYLOAD:  # a copy this small costs less than a view
            payload = bytes(payload)
    else:
        payload = b""
    mss = wscale = None
    sack_permitted = False
    if header > 20:
        mss, wscale, sack_permitted = _tcp_options(data, start + 20, min(size, start + header))
    return TcpPacket(number, time, src, dst, sport, dport, seq, ack, off_flags & 0x1FF, window,
                     length, payload, mss, wscale, sack_permitted)


def _tcp_options(data: bytes, offset: int, end: int) -> tuple[int | None, int | None, bool]:
    """MSS, window scale and SACK permitted from a TCP header's options."""
    mss = wscale = None
    sack_permitted = False
    while offset < end:
        kind = data[offset]
        if kind == 0:
            break
        if kind == 1:
            offset += 1
            continue
        if offset + 1 >= end:
            break
        size = data[offset + 1]
        if size < 2 or offset + size > end:
            break
        if kind == 2 and size == 4:
            mss = _U16.unpack_from(data, offset + 2)[0]
        elif kind == 3 and size == 3:
            wscale = data[offset + 2]
        elif kind == 4:
            sack_permitted = True
        offset += size
    return mss, wscale, sack_permitted


PROTOCOL_NAMES = {1: "ICMP", 17: "UDP", 58: "ICMPv6", IP_ESP: "ESP", IP_AH: "AH", 47: "GRE",
                  IP_NO_NEXT: "none", 132: "SCTP", 2: "IGMP", 41: "IPv6", 4: "IPv4"}


def _protocol(number: int) -> str:
    """``17 (UDP)``: an IP protocol number and its name when it has a common one."""
    name = PROTOCOL_NAMES.get(number)
    return f"{number} ({name})" if name else str(number)
