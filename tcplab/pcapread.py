"""Read TCP packets out of a capture file, numbered as Wireshark numbers them.

`read_capture(path)` accepts classic pcap (micro- and nanosecond, either byte order) and
pcapng (several sections and interfaces, enhanced and simple packet blocks), on the link
types a lab capture can have:

- Ethernet (tcpdump on a Docker bridge, or on Linux ``lo``), with 802.1Q/802.1ad tags,
- Linux cooked capture v1 and v2 (tcpdump ``-i any``),
- BSD/macOS loopback (``NULL``, host byte order, and OpenBSD ``LOOP``, network order),
- raw IP (``RAW``, ``IPV4``, ``IPV6``).

Every frame in the file counts for the packet number (1-based, like Wireshark's
``frame.number``), TCP or not; only TCP segments over IPv4/IPv6 are returned, the other frames
are counted and described in `Capture.skipped`.

dpkt decodes the IP and TCP headers. The record loops are our own, over dpkt's header classes,
so that a file cut short (tcpdump killed while writing, a partial download) is read up to its
last whole record and reported as truncated instead of yielding a half packet. Problems that
make a file unreadable raise `CaptureError` with a one-line message. Messages are `Text`s
(`tcplab.i18n`), so the report can give them in its language.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

import dpkt

from .i18n import Text as T

# Link types (https://www.tcpdump.org/linktypes.html)
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
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
    LINKTYPE_RAW: "RAW",
    LINKTYPE_RAW_OPENBSD: "RAW",
    LINKTYPE_RAW_BSDOS: "RAW",
    LINKTYPE_LOOP: "LOOP",
    LINKTYPE_LINUX_SLL: "LINUX_SLL",
    LINKTYPE_LINUX_SLL2: "LINUX_SLL2",
    LINKTYPE_IPV4: "IPV4",
    LINKTYPE_IPV6: "IPV6",
}

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
ETHERTYPE_VLAN = (0x8100, 0x88A8, 0x9100)
AF_INET6_VALUES = (10, 24, 28, 30)  # Linux, NetBSD/OpenBSD, FreeBSD, macOS

PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_IDB = 0x00000001
PCAPNG_PB = 0x00000002
PCAPNG_SPB = 0x00000003
PCAPNG_EPB = 0x00000006
PCAPNG_MAGIC_BE = 0x1A2B3C4D

FLAG_FIN, FLAG_SYN, FLAG_RST, FLAG_PSH, FLAG_ACK, FLAG_URG, FLAG_ECE, FLAG_CWR = (
    1, 2, 4, 8, 16, 32, 64, 128)
FLAG_AE = 256
# Wireshark's order and names in the Info column: "[SYN, ACK]", "[FIN, PSH, ACK]".
FLAG_NAMES = ((FLAG_FIN, "FIN"), (FLAG_SYN, "SYN"), (FLAG_RST, "RST"), (FLAG_PSH, "PSH"),
              (FLAG_ACK, "ACK"), (FLAG_URG, "URG"), (FLAG_ECE, "ECE"), (FLAG_CWR, "CWR"),
              (FLAG_AE, "AE"))


class CaptureError(Exception):
    """The file cannot be read as a capture; `text` is one line for the report."""

    def __init__(self, text: T) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class TcpPacket:
    """One TCP segment as captured: raw (absolute) sequence numbers, epoch time."""

    number: int
    time: float
    src: str
    dst: str
    sport: int
    dport: int
    seq: int
    ack: int
    flags: int
    window: int
    length: int  # TCP payload length from the IP header (Wireshark's tcp.len)
    payload: bytes  # the captured payload; shorter than `length` when snaplen cut it
    mss: int | None = None
    wscale: int | None = None
    sack_permitted: bool = False

    @property
    def flag_names(self) -> str:
        return flag_names(self.flags)

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)


@dataclass
class Capture:
    """What a capture file holds: its TCP packets and what else was in it."""

    path: Path
    file_format: str  # "pcap" or "pcapng"
    link_types: list[str]
    frames: int
    packets: list[TcpPacket]
    first_time: float | None
    skipped: list[tuple[int, T]] = field(default_factory=list)  # (frame number, why)
    truncated: T | None = None  # one line when the file ends inside a record


def flag_names(flags: int) -> str:
    """Wireshark's rendering of TCP flags: ``SYN, ACK``; ``<None>`` for none."""
    names = [name for bit, name in FLAG_NAMES if flags & bit]
    return ", ".join(names) if names else "<None>"


def read_capture(path: str | Path) -> Capture:
    """Read every frame of a pcap or pcapng file; raise `CaptureError` if it is not one."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(4)
            stream.seek(0)
            if len(head) == 0:
                raise CaptureError(T("capture.empty"))
            if len(head) < 4:
                raise CaptureError(T("capture.too_short", size=len(head)))
            magic = struct.unpack(">I", head)[0]
            if magic == PCAPNG_SHB:
                return _read_pcapng(path, stream)
            if magic in _PCAP_MAGICS:
                return _read_pcap(path, stream)
            raise CaptureError(T("capture.not_a_capture", start=head.hex()))
    except OSError as error:
        raise CaptureError(T("capture.cannot_read", error=error.strerror or error)) from error


# --- classic pcap ----------------------------------------------------------------------------

_PCAP_MAGICS = {
    0xA1B2C3D4: (">", 1e6), 0xD4C3B2A1: ("<", 1e6),
    0xA1B23C4D: (">", 1e9), 0x4D3CB2A1: ("<", 1e9),
    0xA1B2CD34: (">", 1e6), 0x34CDB2A1: ("<", 1e6),  # Kuznetzov's modified pcap
}


def _read_pcap(path: Path, stream: BinaryIO) -> Capture:
    header = stream.read(24)
    if len(header) < 24:
        raise CaptureError(T("capture.pcap_header_cut", size=len(header)))
    magic = struct.unpack(">I", header[:4])[0]
    order, divisor = _PCAP_MAGICS[magic]
    file_header = (dpkt.pcap.LEFileHdr if order == "<" else dpkt.pcap.FileHdr)(header)
    linktype = file_header.linktype & 0x0FFFFFFF  # upper bits may carry FCS information
    modified = magic in (0xA1B2CD34, 0x34CDB2A1)
    if modified:
        record_class = dpkt.pcap.LEPktModHdr if order == "<" else dpkt.pcap.PktModHdr
    else:
        record_class = dpkt.pcap.LEPktHdr if order == "<" else dpkt.pcap.PktHdr
    record_len = record_class.__hdr_len__
    reader = _FrameDecoder(path, "pcap")
    reader.link_types.add(_link_name(linktype))
    while True:
        head = stream.read(record_len)
        if not head:
            break
        number = reader.frames + 1
        if len(head) < record_len:
            reader.truncated = T("capture.ends_in_record_header", number=number,
                                 whole=reader.frames)
            break
        record = record_class(head)
        if record.caplen > 0x4000000:
            reader.truncated = T("capture.record_too_long", number=number, size=record.caplen,
                                 whole=reader.frames)
            break
        data = stream.read(record.caplen)
        if len(data) < record.caplen:
            reader.truncated = T("capture.ends_in_record", number=number, size=len(data),
                                 expected=record.caplen, whole=reader.frames)
            break
        reader.frame(record.tv_sec + record.tv_usec / divisor, linktype, data)
    return reader.result()


# --- pcapng ----------------------------------------------------------------------------------

def _read_pcapng(path: Path, stream: BinaryIO) -> Capture:
    reader = _FrameDecoder(path, "pcapng")
    interfaces: list[tuple[int, float, float]] = []  # (linktype, divisor, offset seconds)
    order = "<"
    block_index = 0
    for block_type, body, order in _pcapng_blocks(stream, reader):
        block_index += 1
        if block_type == PCAPNG_SHB:
            interfaces = []
        elif block_type == PCAPNG_IDB:
            interfaces.append(_interface(body, order))
        elif block_type in (PCAPNG_EPB, PCAPNG_PB):
            number = reader.frames + 1
            cls = {
                (PCAPNG_EPB, "<"): dpkt.pcapng.EnhancedPacketBlockLE,
                (PCAPNG_EPB, ">"): dpkt.pcapng.EnhancedPacketBlock,
                (PCAPNG_PB, "<"): dpkt.pcapng.PacketBlockLE,
                (PCAPNG_PB, ">"): dpkt.pcapng.PacketBlock,
            }[(block_type, order)]
            try:
                block = cls(body)
            except (dpkt.UnpackError, struct.error) as error:
                raise CaptureError(T("capture.pcapng_packet_malformed", number=number,
                                     error=error)) from None
            iface_id = block.iface_id if block_type == PCAPNG_EPB else block.iface_id & 0xFFFF
            if iface_id >= len(interfaces):
                raise CaptureError(T("capture.pcapng_unknown_interface", number=number,
                                     interface=iface_id))
            linktype, divisor, offset = interfaces[iface_id]
            stamp = (block.ts_high << 32) | block.ts_low
            reader.frame(offset + stamp / divisor, linktype, block.pkt_data)
        elif block_type == PCAPNG_SPB:
            if not interfaces:
                raise CaptureError(T("capture.pcapng_simple_block_first"))
            linktype = interfaces[0][0]
            (original_len,) = struct.unpack(order + "I", body[8:12])
            data = body[12:12 + original_len]
            reader.frame(None, linktype, data)
    return reader.result()


def _pcapng_blocks(stream: BinaryIO, reader: "_FrameDecoder") -> Iterator[tuple[int, bytes, str]]:
    """Yield (block type, whole block bytes, byte order); mark truncation on the reader."""
    order = "<"
    first = True
    while True:
        head = stream.read(8)
        if not head:
            return
        if len(head) < 8:
            reader.truncated = T("capture.ends_in_block_header", whole=reader.frames)
            return
        block_type = struct.unpack(order + "I", head[:4])[0]
        if struct.unpack(">I", head[:4])[0] == PCAPNG_SHB:
            block_type = PCAPNG_SHB
            magic = stream.read(4)
            if len(magic) < 4:
                raise CaptureError(T("capture.section_header_cut"))
            order = ">" if struct.unpack(">I", magic)[0] == PCAPNG_MAGIC_BE else "<"
            if struct.unpack(order + "I", magic)[0] != PCAPNG_MAGIC_BE:
                raise CaptureError(T("capture.section_magic"))
            head += magic
        elif first:
            raise CaptureError(T("capture.pcapng_no_section"))
        first = False
        length = struct.unpack(order + "I", head[4:8])[0]
        if length < 12 or length % 4 or length > 0x4000000:
            if block_type == PCAPNG_SHB:
                raise CaptureError(T("capture.section_length", length=length))
            reader.truncated = T("capture.block_length", whole=reader.frames, length=length)
            return
        rest = stream.read(length - len(head))
        if len(rest) < length - len(head):
            if block_type == PCAPNG_SHB:
                raise CaptureError(T("capture.section_header_cut"))
            reader.truncated = T("capture.ends_in_block", size=len(head) + len(rest),
                                 expected=length, whole=reader.frames)
            return
        yield block_type, head + rest, order


def _interface(body: bytes, order: str) -> tuple[int, float, float]:
    cls = dpkt.pcapng.InterfaceDescriptionBlockLE if order == "<" else \
        dpkt.pcapng.InterfaceDescriptionBlock
    try:
        idb = cls(body)
    except (dpkt.UnpackError, struct.error) as error:
        raise CaptureError(T("capture.pcapng_interface_malformed", error=error)) from None
    divisor, offset = 1e6, 0.0
    for option in idb.opts:
        if option.code == dpkt.pcapng.PCAPNG_OPT_IF_TSRESOL and option.data:
            value = option.data[0]
            divisor = float(2 ** (value & 0x7F)) if value & 0x80 else float(10 ** value)
        elif option.code == dpkt.pcapng.PCAPNG_OPT_IF_TSOFFSET and len(option.data) >= 8:
            offset = float(struct.unpack(order + "q", option.data[:8])[0])
    return idb.linktype, divisor, offset


# --- frames ----------------------------------------------------------------------------------

def _link_name(linktype: int) -> str:
    return LINK_NAMES.get(linktype, f"linktype {linktype}")


class _FrameDecoder:
    """Numbers frames and keeps the TCP ones."""

    def __init__(self, path: Path, file_format: str) -> None:
        self.path = path
        self.file_format = file_format
        self.frames = 0
        self.packets: list[TcpPacket] = []
        self.skipped: list[tuple[int, T]] = []
        self.link_types: set[str] = set()
        self.first_time: float | None = None
        self.last_time: float = 0.0
        self.truncated: T | None = None

    def frame(self, time: float | None, linktype: int, data: bytes) -> None:
        self.frames += 1
        number = self.frames
        if time is None:  # pcapng simple packet block: no time stamp
            time = self.last_time
        time = float(time)
        self.last_time = time
        if self.first_time is None:
            self.first_time = time
        self.link_types.add(_link_name(linktype))
        network = _network_layer(linktype, data)
        if isinstance(network, T):
            self.skipped.append((number, network))
            return
        packet = _tcp_packet(number, time, *network)
        if isinstance(packet, T):
            self.skipped.append((number, packet))
        else:
            self.packets.append(packet)

    def result(self) -> Capture:
        return Capture(path=self.path, file_format=self.file_format,
                       link_types=sorted(self.link_types), frames=self.frames,
                       packets=self.packets, first_time=self.first_time,
                       skipped=self.skipped, truncated=self.truncated)


def _network_layer(linktype: int, data: bytes) -> tuple[int, bytes] | T:
    """(IP version, IP bytes) of a frame, or why there is none."""
    if linktype == LINKTYPE_ETHERNET:
        offset, ethertype = 14, _u16(data, 12)
        while ethertype in ETHERTYPE_VLAN:
            ethertype, offset = _u16(data, offset + 2), offset + 4
        return _by_ethertype(ethertype, data[offset:])
    if linktype == LINKTYPE_LINUX_SLL:
        return _by_ethertype(_u16(data, 14), data[16:])
    if linktype == LINKTYPE_LINUX_SLL2:
        return _by_ethertype(_u16(data, 0), data[20:])
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        if len(data) < 4:
            return T("frame.loopback_cut")
        if linktype == LINKTYPE_LOOP:
            family = struct.unpack(">I", data[:4])[0]
        else:  # host byte order of the capturing machine: accept either
            family = struct.unpack("<I", data[:4])[0]
            if family > 0xFFFF:
                family = struct.unpack(">I", data[:4])[0]
        if family == 2:
            return 4, data[4:]
        if family in AF_INET6_VALUES:
            return 6, data[4:]
        return T("frame.loopback_family", family=family)
    if linktype in (LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_RAW_BSDOS,
                    LINKTYPE_IPV4, LINKTYPE_IPV6):
        version = data[0] >> 4 if data else 0
        return (version, data) if version in (4, 6) else T("frame.raw_not_ip")
    return T("frame.link_type", linktype=linktype)


def _u16(data: bytes, offset: int) -> int:
    if len(data) < offset + 2:
        return -1
    return struct.unpack(">H", data[offset:offset + 2])[0]


def _by_ethertype(ethertype: int, data: bytes) -> tuple[int, bytes] | T:
    if ethertype == ETHERTYPE_IPV4:
        return 4, data
    if ethertype == ETHERTYPE_IPV6:
        return 6, data
    if ethertype == -1:
        return T("frame.link_cut")
    return T("frame.ethertype", ethertype=f"0x{ethertype:04x}")


def _tcp_packet(number: int, time: float, version: int, data: bytes) -> TcpPacket | T:
    try:
        if version == 4:
            ip = dpkt.ip.IP(data)
            if ip.p != dpkt.ip.IP_PROTO_TCP:
                return T("frame.ip_protocol", protocol=ip.p)
            if ip.offset or ip.mf:
                return T("frame.ip_fragment")
            src, dst = socket.inet_ntop(socket.AF_INET, ip.src), socket.inet_ntop(
                socket.AF_INET, ip.dst)
            header_len = ip.hl * 4
            ip_payload_len = ip.len - header_len if ip.len else len(data) - header_len
        else:
            ip = dpkt.ip6.IP6(data)
            if ip.p != dpkt.ip.IP_PROTO_TCP:
                return T("frame.ipv6_next_header", protocol=ip.p)
            if 44 in ip.extension_hdrs:
                return T("frame.ipv6_fragment")
            src, dst = socket.inet_ntop(socket.AF_INET6, ip.src), socket.inet_ntop(
                socket.AF_INET6, ip.dst)
            extensions = sum(ext.length for ext in ip.all_extension_headers)
            ip_payload_len = (ip.plen if ip.plen else len(data) - 40) - extensions
    except (dpkt.UnpackError, struct.error, ValueError) as error:
        return T("frame.ip_malformed", error=type(error).__name__)
    segment = ip.data
    if not isinstance(segment, dpkt.tcp.TCP):
        return T("frame.tcp_cut")
    header_len = segment.off * 4
    length = max(0, ip_payload_len - header_len)
    mss = wscale = None
    sack_permitted = False
    for option in dpkt.tcp.parse_opts(segment.opts):
        if option is None:
            break
        kind, value = option
        if kind == dpkt.tcp.TCP_OPT_MSS and len(value) == 2:
            mss = struct.unpack(">H", value)[0]
        elif kind == dpkt.tcp.TCP_OPT_WSCALE and len(value) == 1:
            wscale = value[0]
        elif kind == dpkt.tcp.TCP_OPT_SACKOK:
            sack_permitted = True
    flags = segment._off_flags & 0x1FF  # the 8 classic flags and AE (formerly NS)
    return TcpPacket(number=number, time=time, src=src, dst=dst, sport=segment.sport,
                     dport=segment.dport, seq=segment.seq, ack=segment.ack, flags=flags,
                     window=segment.win, length=length, payload=bytes(segment.data[:length]),
                     mss=mss, wscale=wscale, sack_permitted=sack_permitted)
