"""Read a capture file: its TCP packets, numbered as Wireshark numbers them.

`read_capture(path)` accepts pcap and pcapng (`containers`), either of them gzip-compressed
(``.pcap.gz``, ``.pcapng.gz``: read as the capture inside), on every link type `frames` decodes.
Every frame counts for the packet number (1-based, like Wireshark's ``frame.number``), TCP or
not; only TCP segments over IPv4/IPv6 are returned, the other frames counted by why in
`Capture.not_tcp`. `raw_frames` gives the frames as stored, for writing them again.

A capture is untrusted input (a student's laptop, a download): no content makes this module
raise anything but `CaptureError` (one line: the file is not a capture at all), a file that is a
symbolic link, a pipe or a device is never opened, and a file (or what a gzip file holds) larger
than `MAX_CAPTURE_BYTES` is refused. Messages are `Text`s (`tcplab.i18n`), so the report can give
them in its language.
"""

from __future__ import annotations

import errno
import gc
import os
import stat
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..i18n import Text as T
from .containers import PCAP_MAGICS, PCAPNG_SHB, read_pcap, read_pcapng
from .frames import decode
from .links import link_name
from .packet import CaptureError, TcpPacket


MAX_CAPTURE_BYTES = 256 * 2**20  # a file, or what a gzip file holds: 256 MiB


GZIP_MAGIC = b"\x1f\x8b"


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
        read_pcapng(view, reader)
    elif magic in PCAP_MAGICS:
        reader.file_format = "pcap"
        read_pcap(view, reader)
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
    return magic == PCAPNG_SHB or magic in PCAP_MAGICS


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
            # Read again from the start, into one object (head + rest would hold the file twice
            # for a moment), asking for the file's size (read() allocates what it is asked for
            # up front), then for the rest of the bound should the file have grown meanwhile.
            stream.seek(0)
            data = stream.read(min(info.st_size, MAX_CAPTURE_BYTES) + 1)
            if len(data) > info.st_size:
                data += stream.read(MAX_CAPTURE_BYTES + 1 - len(data))
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
            self.link_types.add(link_name(linktype))
            self.last_link = linktype
        found = decode(self.frames, time, linktype, data, self.ports)
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
