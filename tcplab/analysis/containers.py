"""The two capture file formats, walked record by record.

Classic pcap (micro- and nanosecond, either byte order, Kuznetzov's modified records) and pcapng
(several sections and interfaces; enhanced, simple and obsolete packet blocks; every other block
skipped). Each frame goes to a reader's ``frame(time, linktype, data)``, ``data`` a view into the
file's bytes. A file cut short or corrupt part-way is read up to its last whole record and the
reader's ``truncated`` says why; only a file that is no capture at all raises `CaptureError`.
"""

from __future__ import annotations

import struct

from ..i18n import Text as T
from .links import link_name
from .packet import CaptureError


MAX_RECORD_BYTES = 0x4000000  # one record or block: 64 MiB (tcpdump's own limit: 256 KiB)


PCAPNG_SHB = 0x0A0D0D0A


PCAPNG_IDB = 0x00000001


PCAPNG_PB = 0x00000002


PCAPNG_SPB = 0x00000003


PCAPNG_EPB = 0x00000006


PCAPNG_MAGIC_BE = 0x1A2B3C4D


PCAPNG_OPT_IF_TSRESOL = 9


PCAPNG_OPT_IF_TSOFFSET = 14


PCAP_MAGICS = {
    0xA1B2C3D4: (">", 1e6, 16), 0xD4C3B2A1: ("<", 1e6, 16),
    0xA1B23C4D: (">", 1e9, 16), 0x4D3CB2A1: ("<", 1e9, 16),
    0xA1B2CD34: (">", 1e6, 24), 0x34CDB2A1: ("<", 1e6, 24),  # Kuznetzov's modified pcap
}


def read_pcap(data: bytes, reader) -> None:
    if len(data) < 24:
        raise CaptureError(T("capture.pcap_header_cut", size=len(data)))
    order, divisor, record_len = PCAP_MAGICS[struct.unpack_from(">I", data)[0]]
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF  # high bits: FCS
    record = struct.Struct(order + "IIII")
    reader.link_types.add(link_name(linktype))  # a file of no packets still says its link
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


def read_pcapng(data: bytes, reader) -> None:
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


def _packet_block(reader, block_type: int, body: bytes, order: str,
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
