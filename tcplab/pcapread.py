"""Read TCP packets out of a capture file, numbered as Wireshark numbers them.

`read_capture(path)` accepts classic pcap (micro- and nanosecond, either byte order, Kuznetzov's
modified records) and pcapng (several sections and interfaces, enhanced, simple and obsolete
packet blocks; every other block skipped), either of them gzip-compressed (``.pcap.gz``,
``.pcapng.gz``: read as the capture inside), on the link types a capture can have:

- Ethernet (tcpdump on a Docker bridge or on Linux ``lo``, Wireshark on a laptop), with any stack
  of 802.1Q/802.1ad tags and PPPoE sessions,
- Linux cooked capture v1 and v2 (tcpdump ``-i any``),
- BSD/macOS/Windows loopback (``NULL``, host byte order, and OpenBSD ``LOOP``, network order),
- PPP, and raw IP (``RAW``, ``IPV4``, ``IPV6``).

Every frame counts for the packet number (1-based, like Wireshark's ``frame.number``), TCP or
not; only TCP segments over IPv4/IPv6 are returned. IPv6 extension headers are walked (hop-by-hop,
routing, destination options, an atomic fragment header, AH, mobility, HIP, shim6); an IP
fragment, encrypted IPsec (ESP), another protocol or a header cut short is a frame that is not
TCP, counted by why in `Capture.not_tcp`.

A capture is untrusted input (a student's laptop, a download): no content makes this module
raise anything but `CaptureError` (one line: the file is not a capture at all), and a file cut
short or corrupt part-way is read up to its last whole record and reported as truncated. The
headers are decoded here with `struct`, at a few microseconds a frame; a file (or what a gzip
file holds) larger than `MAX_CAPTURE_BYTES` is refused. Messages are `Text`s (`tcplab.i18n`), so
the report can give them in its language.
"""

from __future__ import annotations

import errno
import gc
import os
import socket
import stat
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .i18n import Text as T

MAX_CAPTURE_BYTES = 256 * 2**20  # a file, or what a gzip file holds: 256 MiB
MAX_RECORD_BYTES = 0x4000000  # one packet record or block: 64 MiB (tcpdump's own limit is 256 KiB)

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

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
ETHERTYPE_VLAN = (0x8100, 0x88A8, 0x9100, 0x9200)
ETHERTYPE_PPPOE = 0x8864
PPP_IPV4, PPP_IPV6 = 0x0021, 0x0057
AF_INET6_VALUES = (10, 23, 24, 28, 30)  # Linux, Windows, NetBSD/OpenBSD, FreeBSD, macOS

# IPv6 extension headers walked to the transport header: their length is (byte 1 + 1) * 8.
IPV6_EXTENSIONS = frozenset((0, 43, 60, 135, 139, 140, 253, 254))
IP_FRAGMENT_HEADER, IP_AH, IP_ESP, IP_NO_NEXT, IP_TCP = 44, 51, 50, 59, 6

PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_IDB = 0x00000001
PCAPNG_PB = 0x00000002
PCAPNG_SPB = 0x00000003
PCAPNG_EPB = 0x00000006
PCAPNG_MAGIC_BE = 0x1A2B3C4D
PCAPNG_OPT_IF_TSRESOL = 9
PCAPNG_OPT_IF_TSOFFSET = 14
GZIP_MAGIC = b"\x1f\x8b"

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


@dataclass(slots=True)
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
    # The captured payload, shorter than `length` when snaplen cut it: a view into the file's
    # bytes (no copy of the traffic nobody reads), made bytes where a conversation is analysed.
    payload: bytes | memoryview
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
    file_format: str  # "pcap" or "pcapng"; "pcap.gz", "pcapng.gz" when it came gzipped
    link_types: list[str]
    frames: int
    packets: list[TcpPacket]
    first_time: float | None
    # The frames that are not TCP, by why: (the reason, how many, the first one's number).
    not_tcp: list[tuple[T, int, int]] = field(default_factory=list)
    truncated: T | None = None  # one line when the file ends inside a record or is corrupt

    @property
    def not_tcp_count(self) -> int:
        return sum(count for _, count, _ in self.not_tcp)


@lru_cache(maxsize=512)
def flag_names(flags: int) -> str:
    """Wireshark's rendering of TCP flags: ``SYN, ACK``; ``<None>`` for none."""
    names = [name for bit, name in FLAG_NAMES if flags & bit]
    return ", ".join(names) if names else "<None>"


# --- the file --------------------------------------------------------------------------------

@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector held off while a capture is read and analysed.

    Reading makes a few objects per packet, none of them in a reference cycle (they are freed
    by their reference counts as always); the collector would only walk them again and again
    as their number grows, so that reading 4x the packets would cost 5-7x the time.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_capture(path: str | Path, ports: frozenset[int] | None = None) -> Capture:
    """Read every frame of a pcap or pcapng file (or either, gzipped).

    `ports`, when given, are the only ports whose segments' payloads are kept: the others are
    read for their headers alone (a laptop's downloads need not stay in memory to be counted).
    Raises `CaptureError` when the file is not a capture, cannot be read, is not a regular file
    (a symlink is never followed, a pipe never waited on) or is larger than `MAX_CAPTURE_BYTES`.
    """
    path = Path(path)
    return _read(path, _FrameDecoder(path, ports))


@dataclass(frozen=True, slots=True)
class RawFrame:
    """One frame as the file holds it, for writing it again (an annotated copy)."""

    time: float
    linktype: int
    data: bytes


def raw_frames(path: str | Path) -> list[RawFrame]:
    """Every frame of a capture as stored, numbered by its place (frame 1 first); the same
    refusals as `read_capture`."""
    return _read(Path(path), _FrameKeeper())


def _read(path: Path, reader):
    data = _file_bytes(path)
    suffix = ""
    if data[:2] == GZIP_MAGIC:
        data, cut = _gunzip(data)
        suffix = ".gz"
        if not data:
            raise CaptureError(cut or T("capture.gzip_empty"))
    else:
        cut = None
    if len(data) == 0:
        raise CaptureError(T("capture.empty"))
    if len(data) < 4:
        raise CaptureError(T("capture.too_short", size=len(data)))
    magic = struct.unpack_from(">I", data)[0]
    view = memoryview(data)  # frames are views into the file's bytes, never copies
    if magic == PCAPNG_SHB:
        reader.file_format = "pcapng"
        _read_pcapng(view, reader)
    elif magic in _PCAP_MAGICS:
        reader.file_format = "pcap"
        _read_pcap(view, reader)
    else:
        raise CaptureError(not_a_capture(data[:4]))
    reader.file_format += suffix
    if cut is not None and reader.truncated is None:
        reader.truncated = cut
    return reader.result()


# What a file that is not a capture most likely is, by its first bytes (format names, the same
# in every language).
FILE_KINDS = ((b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP / Office"), (b"\x89PNG", "PNG"),
              (b"\xff\xd8\xff", "JPEG"), (b"\xd0\xcf\x11\xe0", "OLE (Office 97, Thumbs.db)"),
              (b"{\\rt", "RTF"), (b"\x00\x05\x16\x07", "AppleDouble (macOS)"), (b"Rar!", "RAR"),
              (b"7z\xbc\xaf", "7-Zip"), (b"GIF8", "GIF"), (b"\x7fELF", "ELF"), (b"MZ", "EXE"),
              (b"<!DO", "HTML"), (b"<htm", "HTML"), (b"<?xm", "XML"))


def _known_magic(head: bytes) -> bool:
    magic = struct.unpack_from(">I", head)[0]
    return magic == PCAPNG_SHB or magic in _PCAP_MAGICS


def not_a_capture(head: bytes) -> T:
    """Why a file is not a capture, naming what it looks like when its first bytes say."""
    kind = next((name for magic, name in FILE_KINDS if head.startswith(magic)), None)
    if kind is None and head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        kind = "ASCII"
    if kind is None:
        return T("capture.not_a_capture", start=head.hex())
    return T("capture.not_a_capture_kind", start=head.hex(), kind=kind)


def _file_bytes(path: Path) -> bytes:
    """The file's bytes: a regular file only, opened without following a symlink."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise CaptureError(T("capture.symlink")) from None
        raise CaptureError(T("capture.cannot_read", error=error.strerror or error)) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise CaptureError(T("capture.not_a_file"))
        if info.st_size > MAX_CAPTURE_BYTES:
            raise CaptureError(T("capture.too_large", size=info.st_size,
                                 limit=MAX_CAPTURE_BYTES))
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            head = stream.read(4)
            if len(head) == 4 and head[:2] != GZIP_MAGIC and not _known_magic(head):
                raise CaptureError(not_a_capture(head))  # a PDF is not read whole to say so
            data = head + stream.read(MAX_CAPTURE_BYTES + 1 - len(head))
    except OSError as error:
        raise CaptureError(T("capture.cannot_read", error=error.strerror or error)) from None
    finally:
        os.close(descriptor)
    if len(data) > MAX_CAPTURE_BYTES:  # the file grew while it was read
        raise CaptureError(T("capture.too_large", size=len(data), limit=MAX_CAPTURE_BYTES))
    return data


def _gunzip(data: bytes) -> tuple[bytes, T | None]:
    """What a gzip file (of one or more members) holds, at most MAX_CAPTURE_BYTES of it.

    A file cut short or corrupt part-way gives what could be decompressed and why it stopped.
    """
    parts: list[bytes] = []
    size = 0
    rest = data
    while rest[:2] == GZIP_MAGIC:
        inflate = zlib.decompressobj(wbits=31)
        try:
            chunk = inflate.decompress(rest, MAX_CAPTURE_BYTES + 1 - size)
        except zlib.error as error:
            return b"".join(parts), T("capture.gzip_corrupt", error=str(error))
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_CAPTURE_BYTES or inflate.unconsumed_tail:
            raise CaptureError(T("capture.gzip_too_large", limit=MAX_CAPTURE_BYTES))
        if not inflate.eof:
            return b"".join(parts), T("capture.gzip_cut")
        rest = inflate.unused_data
    return b"".join(parts), None


# --- classic pcap ----------------------------------------------------------------------------

_PCAP_MAGICS = {
    0xA1B2C3D4: (">", 1e6, 16), 0xD4C3B2A1: ("<", 1e6, 16),
    0xA1B23C4D: (">", 1e9, 16), 0x4D3CB2A1: ("<", 1e9, 16),
    0xA1B2CD34: (">", 1e6, 24), 0x34CDB2A1: ("<", 1e6, 24),  # Kuznetzov's modified pcap
}


def _read_pcap(data: bytes, reader: _FrameDecoder) -> None:
    if len(data) < 24:
        raise CaptureError(T("capture.pcap_header_cut", size=len(data)))
    order, divisor, record_len = _PCAP_MAGICS[struct.unpack_from(">I", data)[0]]
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF  # high bits: FCS
    record = struct.Struct(order + "IIII")
    reader.link_types.add(_link_name(linktype))  # a file of no packets still says its link
    offset, end = 24, len(data)
    while offset < end:
        number = reader.frames + 1
        if offset + record_len > end:
            reader.truncated = T("capture.ends_in_record_header", number=number,
                                 whole=reader.frames)
            break
        seconds, fraction, caplen, _ = record.unpack_from(data, offset)
        if caplen > MAX_RECORD_BYTES:
            reader.truncated = T("capture.record_too_long", number=number, size=caplen,
                                 whole=reader.frames)
            break
        start = offset + record_len
        if start + caplen > end:
            reader.truncated = T("capture.ends_in_record", number=number, size=end - start,
                                 expected=caplen, whole=reader.frames)
            break
        reader.frame(seconds + fraction / divisor, linktype, data[start:start + caplen])
        offset = start + caplen


# --- pcapng ----------------------------------------------------------------------------------

def _read_pcapng(data: bytes, reader: _FrameDecoder) -> None:
    interfaces: list[tuple[int, float, float]] = []  # (linktype, divisor, offset seconds)
    order = "<"
    offset, end = 0, len(data)
    while offset < end:
        if offset + 12 > end:
            reader.truncated = T("capture.ends_in_block_header", whole=reader.frames)
            break
        if struct.unpack_from(">I", data, offset)[0] == PCAPNG_SHB:
            block_type = PCAPNG_SHB
            magic = struct.unpack_from(">I", data, offset + 8)[0]
            if magic == PCAPNG_MAGIC_BE:
                order = ">"
            elif struct.unpack_from("<I", data, offset + 8)[0] == PCAPNG_MAGIC_BE:
                order = "<"
            else:
                if offset == 0:
                    raise CaptureError(T("capture.section_magic"))
                reader.truncated = T("capture.block_corrupt", whole=reader.frames)
                break
            interfaces = []
        elif offset == 0:
            raise CaptureError(T("capture.pcapng_no_section"))
        else:
            block_type = struct.unpack_from(order + "I", data, offset)[0]
        length = struct.unpack_from(order + "I", data, offset + 4)[0]
        if length < 12 or length % 4 or length > MAX_RECORD_BYTES:
            if offset == 0:
                raise CaptureError(T("capture.section_length", length=length))
            reader.truncated = T("capture.block_length", whole=reader.frames, length=length)
            break
        if offset + length > end:
            if offset == 0:
                raise CaptureError(T("capture.section_header_cut"))
            reader.truncated = T("capture.ends_in_block", size=end - offset, expected=length,
                                 whole=reader.frames)
            break
        body = data[offset + 8:offset + length - 4]
        offset += length
        if block_type == PCAPNG_IDB:
            interfaces.append(_interface(body, order))
        elif block_type in (PCAPNG_EPB, PCAPNG_PB, PCAPNG_SPB):
            problem = _packet_block(reader, block_type, body, order, interfaces)
            if problem is not None:
                reader.truncated = problem
                break


def _packet_block(reader: _FrameDecoder, block_type: int, body: bytes, order: str,
                  interfaces: list[tuple[int, float, float]]) -> T | None:
    """Hand one packet block's frame to the reader; why the file cannot go on, if it cannot."""
    number = reader.frames + 1
    if block_type == PCAPNG_SPB:
        if not interfaces:
            return T("capture.pcapng_simple_block_first", number=number)
        if len(body) < 4:
            return T("capture.pcapng_packet_malformed", number=number)
        original = struct.unpack_from(order + "I", body)[0]
        reader.frame(None, interfaces[0][0], body[4:4 + original])
        return None
    if len(body) < 20:
        return T("capture.pcapng_packet_malformed", number=number)
    if block_type == PCAPNG_EPB:
        interface, high, low, caplen, _ = struct.unpack_from(order + "IIIII", body)
    else:  # the obsolete packet block: a 16-bit interface id, then a drops count
        interface, _, high, low, caplen, _ = struct.unpack_from(order + "HHIIII", body)
    if caplen > len(body) - 20:
        return T("capture.pcapng_packet_malformed", number=number)
    if interface >= len(interfaces):
        return T("capture.pcapng_unknown_interface", number=number, interface=interface)
    linktype, divisor, shift = interfaces[interface]
    reader.frame(shift + ((high << 32) | low) / divisor, linktype, body[20:20 + caplen])
    return None


def _interface(body: bytes, order: str) -> tuple[int, float, float]:
    """(link type, time stamp units per second, time offset) of an interface block."""
    if len(body) < 8:
        return -1, 1e6, 0.0
    linktype = struct.unpack_from(order + "H", body)[0]
    divisor, shift = 1e6, 0.0
    offset = 8
    while offset + 4 <= len(body):
        code, size = struct.unpack_from(order + "HH", body, offset)
        value = body[offset + 4:offset + 4 + size]
        if code == 0:
            break
        if code == PCAPNG_OPT_IF_TSRESOL and value:
            exponent = value[0] & 0x7F
            divisor = float(2 ** exponent) if value[0] & 0x80 else float(10 ** min(exponent, 30))
        elif code == PCAPNG_OPT_IF_TSOFFSET and len(value) >= 8:
            shift = float(struct.unpack_from(order + "q", value)[0])
        offset += 4 + size + (-size % 4)
    return linktype, divisor, shift


# --- frames ----------------------------------------------------------------------------------

def _link_name(linktype: int) -> str:
    return LINK_NAMES.get(linktype, f"linktype {linktype}")


@lru_cache(maxsize=1024)
def _why(key: str, **args: object) -> T:
    """The reason a frame is not TCP, made once per kind (a capture may hold millions)."""
    return T(key, **args)


@lru_cache(maxsize=4096)
def _address4(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET, raw)


@lru_cache(maxsize=4096)
def _address6(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6, raw)


_U16 = struct.Struct(">H")
_IPV4 = struct.Struct(">BBHHHBBH4s4s")
_IPV6 = struct.Struct(">IHBB16s16s")
_TCP = struct.Struct(">HHIIHH")


class _FrameKeeper:
    """Keeps every frame as stored (`raw_frames`)."""

    def __init__(self) -> None:
        self.kept: list[RawFrame] = []
        self.link_types: set[str] = set()
        self.last_time = 0.0
        self.truncated: T | None = None
        self.file_format = ""

    @property
    def frames(self) -> int:
        return len(self.kept)

    def frame(self, time: float | None, linktype: int, data: bytes) -> None:
        self.last_time = self.last_time if time is None else time
        self.kept.append(RawFrame(self.last_time, linktype, bytes(data)))

    def result(self) -> list[RawFrame]:
        return self.kept


class _FrameDecoder:
    """Numbers frames and keeps the TCP ones; counts the others by why."""

    def __init__(self, path: Path, ports: frozenset[int] | None = None) -> None:
        self.path = path
        self.ports = ports
        self.file_format = ""
        self.frames = 0
        self.packets: list[TcpPacket] = []
        self.not_tcp: dict[T, list[int]] = {}  # why -> [count, first frame]
        self.link_types: set[str] = set()
        self.first_time: float | None = None
        self.last_time: float = 0.0
        self.last_link: int | None = None
        self.truncated: T | None = None

    def frame(self, time: float | None, linktype: int, data: bytes) -> None:
        self.frames += 1
        if time is None:  # pcapng simple packet block: no time stamp
            time = self.last_time
        self.last_time = time
        if self.first_time is None:
            self.first_time = time
        if linktype != self.last_link:
            self.link_types.add(_link_name(linktype))
            self.last_link = linktype
        found = _network_layer(linktype, data)
        if type(found) is tuple:
            found = _tcp_packet(self.frames, time, found[0], found[1], self.ports)
            if type(found) is TcpPacket:
                self.packets.append(found)
                return
        seen = self.not_tcp.get(found)
        if seen is None:
            self.not_tcp[found] = [1, self.frames]
        else:
            seen[0] += 1

    def result(self) -> Capture:
        return Capture(path=self.path, file_format=self.file_format,
                       link_types=sorted(self.link_types), frames=self.frames,
                       packets=self.packets, first_time=self.first_time,
                       not_tcp=[(why, count, first) for why, (count, first)
                                in self.not_tcp.items()],
                       truncated=self.truncated)


def _network_layer(linktype: int, data: bytes) -> tuple[int, bytes] | T:
    """(IP version, IP bytes) of a frame, or why there is none."""
    if linktype == LINKTYPE_ETHERNET:
        return _ethernet(data)
    if linktype == LINKTYPE_LINUX_SLL:
        return _by_ethertype(_u16(data, 14), data[16:])
    if linktype == LINKTYPE_LINUX_SLL2:
        return _by_ethertype(_u16(data, 0), data[20:])
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        if len(data) < 4:
            return _why("frame.loopback_cut")
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
        return _why("frame.loopback_family", family=family)
    if linktype == LINKTYPE_PPP:
        start = 2 if data[:2] == b"\xff\x03" else 0  # address and control, when present
        return _by_ppp(_u16(data, start), data[start + 2:])
    if linktype in (LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_RAW_BSDOS,
                    LINKTYPE_IPV4, LINKTYPE_IPV6):
        version = data[0] >> 4 if data else 0
        return (version, data) if version in (4, 6) else _why("frame.raw_not_ip")
    return _why("frame.link_type", linktype=linktype)


def _ethernet(data: bytes) -> tuple[int, bytes] | T:
    ethertype, offset = _u16(data, 12), 14
    while ethertype in ETHERTYPE_VLAN:  # each tag: 2 bytes of tag, 2 of the next type
        ethertype, offset = _u16(data, offset + 2), offset + 4
    if ethertype == ETHERTYPE_PPPOE:  # PPPoE session: 6 bytes of header, then PPP's protocol
        return _by_ppp(_u16(data, offset + 6), data[offset + 8:])
    return _by_ethertype(ethertype, data[offset:])


def _u16(data: bytes, offset: int) -> int:
    if len(data) < offset + 2:
        return -1
    return _U16.unpack_from(data, offset)[0]


def _by_ethertype(ethertype: int, data: bytes) -> tuple[int, bytes] | T:
    if ethertype == ETHERTYPE_IPV4:
        return 4, data
    if ethertype == ETHERTYPE_IPV6:
        return 6, data
    if ethertype == -1:
        return _why("frame.link_cut")
    if ethertype < 0x0600:  # an IEEE 802.3 length: LLC frames (spanning tree, ...)
        return _why("frame.llc")
    return _why("frame.ethertype", ethertype=f"0x{ethertype:04x}")


def _by_ppp(protocol: int, data: bytes) -> tuple[int, bytes] | T:
    if protocol == PPP_IPV4:
        return 4, data
    if protocol == PPP_IPV6:
        return 6, data
    if protocol == -1:
        return _why("frame.link_cut")
    return _why("frame.ppp", protocol=f"0x{protocol:04x}")


def _tcp_packet(number: int, time: float, version: int, data: bytes,
                ports: frozenset[int] | None = None) -> TcpPacket | T:
    """The TCP segment in an IP packet, or why there is none."""
    size = len(data)
    if version == 4:
        if size < 20:
            return _why("frame.ip_cut")
        first, _, total, _, fragment, _, protocol, _, raw_src, raw_dst = _IPV4.unpack_from(data)
        header = (first & 0x0F) * 4
        if first >> 4 != 4 or header < 20:
            return _why("frame.ip_malformed")
        if size < header:
            return _why("frame.ip_cut")
        if fragment & 0x3FFF:  # more fragments, or an offset: a piece of a bigger packet
            return _why("frame.ip_fragment")
        if protocol != IP_TCP:
            return _why("frame.ip_protocol", protocol=_protocol(protocol))
        if total == 0:  # TCP segmentation offload: the length is the captured one
            total = size
        elif total < header:
            return _why("frame.ip_malformed")
        src, dst = _address4(raw_src), _address4(raw_dst)
        start, end = header, total
    elif version == 6:
        if size < 40:
            return _why("frame.ip_cut")
        first, payload_length, protocol, _, raw_src, raw_dst = _IPV6.unpack_from(data)
        if first >> 28 != 6:
            return _why("frame.ip_malformed")
        start = 40
        end = 40 + payload_length if payload_length else size  # 0: a jumbogram
        while protocol != IP_TCP:
            if protocol in IPV6_EXTENSIONS or protocol == IP_AH:
                if size < start + 2:
                    return _why("frame.ip_cut")
                following, units = data[start], data[start + 1]
                start += (units + 2) * 4 if protocol == IP_AH else (units + 1) * 8
                protocol = following
            elif protocol == IP_FRAGMENT_HEADER:
                if size < start + 8:
                    return _why("frame.ip_cut")
                if _u16(data, start + 2) & 0xFFF9:  # an offset or more fragments
                    return _why("frame.ipv6_fragment")
                protocol, start = data[start], start + 8  # an atomic fragment: whole
            else:
                return _why("frame.ipv6_next_header", protocol=_protocol(protocol))
        src, dst = _address6(raw_src), _address6(raw_dst)
    else:
        return _why("frame.ip_malformed")
    if size < start + 20:
        return _why("frame.tcp_cut")
    sport, dport, seq, ack, off_flags, window = _TCP.unpack_from(data, start)
    header = (off_flags >> 12) * 4
    if header < 20:
        return _why("frame.tcp_malformed")
    length = max(0, end - start - header)
    if ports is None or sport in ports or dport in ports:
        payload = data[start + header:start + header + length]  # empty when snaplen cut it
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
