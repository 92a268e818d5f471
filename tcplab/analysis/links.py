"""A frame's link layer, down to the IP packet it carries: Ethernet (tcpdump on a Docker bridge or
Linux ``lo``, Wireshark on a laptop) with any stack of 802.1Q/802.1ad tags and PPPoE sessions,
Linux cooked v1 and v2 (tcpdump ``-i any``), BSD/macOS/Windows loopback (``NULL``, host byte
order, and OpenBSD ``LOOP``), PPP and raw IP. `network_layer` gives (IP version, IP bytes) or why
there is none, a `Text` made once per kind (`why`). Every length checked: no content raises.
"""

from __future__ import annotations

import struct
from functools import lru_cache

from ..i18n import Text as T

# Link types (https://www.tcpdump.org/linktypes.html)
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_PPP = 9
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
LINKTYPE_RAW_OPENBSD = 12  # DLT_RAW on OpenBSD; LINKTYPE_RAW (101) elsewhere
LINKTYPE_RAW_BSDOS = 14

LINK_NAMES = {
    LINKTYPE_NULL: "NULL",
    LINKTYPE_ETHERNET: "EN10MB",
    LINKTYPE_PPP: "PPP",
    LINKTYPE_RAW: "RAW",
    LINKTYPE_RAW_OPENBSD: "RAW",
    LINKTYPE_RAW_BSDOS: "RAW",
    LINKTYPE_LOOP: "LOOP",
    LINKTYPE_LINUX_SLL: "LINUX_SLL",
    LINKTYPE_LINUX_SLL2: "LINUX_SLL2",
    LINKTYPE_IPV4: "IPV4",
    LINKTYPE_IPV6: "IPV6",
}

ETHERTYPE_VLAN = (0x8100, 0x88A8, 0x9100, 0x9200)
ETHERTYPE_PPPOE = 0x8864
# The IP version a link layer's type field names: Ethernet's ethertype, PPP's protocol.
ETHERTYPE_IP = {0x0800: 4, 0x86DD: 6}
PPP_IP = {0x0021: 4, 0x0057: 6}
AF_INET6_VALUES = (10, 23, 24, 28, 30)  # Linux, Windows, NetBSD/OpenBSD, FreeBSD, macOS

_U16 = struct.Struct(">H")


def link_name(linktype: int) -> str:
    return LINK_NAMES.get(linktype, f"linktype {linktype}")


@lru_cache(maxsize=1024)
def why(key: str, **args: object) -> T:
    """The reason a frame is not TCP, made once per kind (a capture may hold millions)."""
    return T(key, **args)


def u16(data: bytes, offset: int) -> int:
    """The big-endian 16-bit number at `offset`, -1 when the data ends before it."""
    if len(data) < offset + 2:
        return -1
    return _U16.unpack_from(data, offset)[0]



def network_layer(linktype: int, data: bytes) -> tuple[int, bytes] | T:
    """(IP version, IP bytes) of a frame, or why there is none."""
    if linktype == LINKTYPE_ETHERNET:
        return _ethernet(data)
    if linktype == LINKTYPE_LINUX_SLL:
        return _by_ethertype(u16(data, 14), data[16:])
    if linktype == LINKTYPE_LINUX_SLL2:
        return _by_ethertype(u16(data, 0), data[20:])
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        if len(data) < 4:
            return why("frame.loopback_cut")
        if linktype == LINKTYPE_LOOP:
            family = struct.unpack_from(">I", data)[0]
        else:  # host byte order of the capturing machine: accept either
            family = struct.unpack_from("<I", data)[0]
            if family > 0xFFFF:
                family = struct.unpack_from(">I", data)[0]
        if family == 2:
            return 4, data[4:]
        if family in AF_INET6_VALUES:
            return 6, data[4:]
        return why("frame.loopback_family", family=family)
    if linktype == LINKTYPE_PPP:
        start = 2 if data[:2] == b"\xff\x03" else 0  # address and control, when present
        return _by_ppp(u16(data, start), data[start + 2:])
    if linktype in (LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_RAW_BSDOS,
                    LINKTYPE_IPV4, LINKTYPE_IPV6):
        version = data[0] >> 4 if data else 0
        return (version, data) if version in (4, 6) else why("frame.raw_not_ip")
    return why("frame.link_type", linktype=linktype)


def _ethernet(data: bytes) -> tuple[int, bytes] | T:
    ethertype, offset = u16(data, 12), 14
    while ethertype in ETHERTYPE_VLAN:  # each tag: 2 bytes of tag, 2 of the next type
        ethertype, offset = u16(data, offset + 2), offset + 4
    if ethertype == ETHERTYPE_PPPOE:  # PPPoE session: 6 bytes of header, then PPP's protocol
        return _by_ppp(u16(data, offset + 6), data[offset + 8:])
    return _by_ethertype(ethertype, data[offset:])


def _by_ethertype(ethertype: int, data: bytes) -> tuple[int, bytes] | T:
    found = _ip(ethertype, ETHERTYPE_IP, data)
    if found is not None:
        return found
    if ethertype < 0x0600:  # an IEEE 802.3 length: LLC frames (spanning tree, ...)
        return why("frame.llc")
    return why("frame.ethertype", ethertype=f"0x{ethertype:04x}")


def _by_ppp(protocol: int, data: bytes) -> tuple[int, bytes] | T:
    found = _ip(protocol, PPP_IP, data)
    return found if found is not None else why("frame.ppp", protocol=f"0x{protocol:04x}")


def _ip(code: int, versions: dict[int, int], data: bytes) -> tuple[int, bytes] | T | None:
    """(IP version, data) when the link layer's type field `code` names IPv4 or IPv6 (`versions`),
    why not when the frame ends before the field, else None: the caller names the other type."""
    if code in versions:
        return versions[code], data
    if code == -1:
        return why("frame.link_cut")
    return None
