"""Annotated captures: tshark reads a comment on every packet, the course's words on each row.

A run folder of real captures (the lab programs over loopback, tcpdump), reported in English and
in Indonesian; the annotated copy beside each pcap is read back with tshark's ``frame.comment``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from analyzer_loopback import can_capture, write_lab_run

from tcplab.cli import report as main

NO_CAPTURE = can_capture()
pytestmark = [pytest.mark.skipif(NO_CAPTURE is not None, reason=str(NO_CAPTURE)),
              pytest.mark.skipif(shutil.which("tshark") is None, reason="no tshark")]


def comments(pcapng: Path) -> list[tuple[int, str, str]]:
    """(frame number, TCP flags as tshark names them, the frame's comment) of every frame."""
    lines = subprocess.run(["tshark", "-r", str(pcapng), "-T", "fields", "-E", "separator=|",
                            "-e", "frame.number", "-e", "tcp.flags.str", "-e", "frame.comment"],
                           capture_output=True, text=True, timeout=60, check=True).stdout
    return [(int(n), flags, comment) for n, flags, comment in
            (line.split("|", 2) for line in lines.splitlines())]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("annotated")
    return write_lab_run(root, [("p01", "reqresp", ["hello", "apa kabar?"],
                                 ["hello", "apa kabar?"])], ["p01"])


@pytest.mark.parametrize("language", ["en", "id"])
def test_every_packet_says_what_it_is(run: Path, language: str) -> None:
    original = hashlib.sha256((run / "p01" / "reqresp.pcap").read_bytes()).hexdigest()
    assert main([str(run), "--language", language]) == 0
    rows = comments(run / "p01" / "reqresp.annotated.pcapng")
    assert all(comment for _, _, comment in rows)  # a comment on every packet
    assert hashlib.sha256((run / "p01" / "reqresp.pcap").read_bytes()).hexdigest() == original
    said = [comment for _, _, comment in rows]
    if language == "en":
        assert said[:3] == [
            "SYN: the client asks to open a connection (handshake 1/3)",
            "SYN, ACK: the server agrees to open the connection (handshake 2/3)",
            "ACK: the client confirms; the connection is open (handshake 3/3)"]
        assert said[3] == "client sends 'hello' (6 bytes)"
        assert "server confirms the 6 bytes it received" in said[4:6]
        assert "server sends 'hello' (6 bytes)" in said
        assert said[-4:] == [
            "FIN: the client asks to close the connection (termination)",
            "ACK: the server agrees to the client's request to close",
            "FIN: the server closes its side too (termination)",
            "ACK: the client confirms; the connection is closed"] or said[-3:] == [
            "FIN: the client asks to close the connection (termination)",
            "FIN, ACK: the server agrees to the client's request and closes its side too "
            "(termination)", "ACK: the client confirms; the connection is closed"]
    else:
        assert said[0] == "SYN: client meminta membuka koneksi (3-way handshake 1/3)"
        assert said[3] == "client mengirim 'hello' (6 byte)"
        assert said[-1] == "ACK: client mengonfirmasi; koneksi tertutup"
    report = (run / "report.html").read_text(encoding="utf-8")
    assert 'href="p01/reqresp.annotated.pcapng"' in report
