"""A TCP segment as a capture holds it, its flags named as Wireshark names them, and the one
error a capture file can raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..i18n import Text as T


class CaptureError(Exception):
    """The file cannot be read as a capture; `text` is one line for the report."""

    def __init__(self, text: T) -> None:
        super().__init__(text)
        self.text = text


FLAG_FIN, FLAG_SYN, FLAG_RST, FLAG_PSH, FLAG_ACK, FLAG_URG, FLAG_ECE, FLAG_CWR = (
    1, 2, 4, 8, 16, 32, 64, 128)
FLAG_AE = 256
# Wireshark's order and names in the Info column: "[SYN, ACK]", "[FIN, PSH, ACK]".
FLAG_NAMES = ((FLAG_FIN, "FIN"), (FLAG_SYN, "SYN"), (FLAG_RST, "RST"), (FLAG_PSH, "PSH"),
              (FLAG_ACK, "ACK"), (FLAG_URG, "URG"), (FLAG_ECE, "ECE"), (FLAG_CWR, "CWR"),
              (FLAG_AE, "AE"))


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
    # bytes (no copy of the traffic nobody reads) unless it is small, made bytes where a
    # conversation is analysed.
    payload: bytes | memoryview
    mss: int | None = None
    wscale: int | None = None
    sack_permitted: bool = False

    @property
    def flag_names(self) -> str:
        return flag_names(self.flags)

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)


@lru_cache(maxsize=512)
def flag_names(flags: int) -> str:
    """Wireshark's rendering of TCP flags: ``SYN, ACK``; ``<None>`` for none."""
    names = [name for bit, name in FLAG_NAMES if flags & bit]
    return ", ".join(names) if names else "<None>"
