"""Real captures for the analyzer tests: tcpdump on loopback while a netstring exchange runs.

`capture_exchange` starts ``tcpdump -i lo`` (or ``-i any``) filtered on a free high port, waits
until tcpdump says it is listening, runs a tiny netstring server and client on 127.0.0.1 (the
client sends each message and waits for its reply, then closes first; the server replies by
the scenario's rule, closes when the client has closed), then stops tcpdump with SIGINT and
returns its counts. Needs root (or CAP_NET_RAW) and tcpdump; traffic stays on 127.0.0.1.

``--immediate-mode`` makes tcpdump write packets as they come (without it a short exchange can
still sit in the kernel's ring when SIGINT arrives: "0 packets captured"). In immediate mode the
ring holds buffer/snaplen frames, about 7 with the defaults (2 MiB, 262144 bytes), so a busy
machine drops packets: ``-B 32768`` (KiB) gives room for over a hundred.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from tcplab import framing


def can_capture() -> str | None:
    """None when loopback captures can be made here, else why not."""
    if shutil.which("tcpdump") is None:
        return "tcpdump is not installed"
    probe = subprocess.run(["tcpdump", "-D"], capture_output=True, text=True, timeout=10)
    if probe.returncode != 0 or "lo" not in probe.stdout:
        return f"tcpdump cannot list interfaces: {probe.stderr.strip()[:120]}"
    return None


def _read_frame(conn: socket.socket, buffer: bytearray) -> str | None:
    """One netstring from the socket, or None at end of stream."""
    while True:
        parsed = framing.parse(bytes(buffer))
        if parsed.netstrings:
            first = parsed.netstrings[0]
            del buffer[:first.end]
            return first.payload.decode("utf-8")
        if parsed.error:
            raise ValueError(parsed.error)
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buffer.extend(chunk)


def _serve(listener: socket.socket, reply_format: str, received: list[str]) -> None:
    conn, _ = listener.accept()
    with conn:
        buffer = bytearray()
        while (message := _read_frame(conn, buffer)) is not None:
            received.append(message)
            conn.sendall(framing.encode(reply_format.replace("{message}", message)))


def _client(port: int, messages: list[str], replies: list[str]) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        buffer = bytearray()
        for message in messages:
            conn.sendall(framing.encode(message))
            reply = _read_frame(conn, buffer)
            replies.append(reply if reply is not None else "")


def capture_exchange(pcap: Path, messages: list[str], reply_format: str,
                     interface: str = "lo") -> dict:
    """Capture one exchange into `pcap`; return port, replies and tcpdump's counts."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(15)
    port = listener.getsockname()[1]
    tcpdump = subprocess.Popen(
        ["tcpdump", "-i", interface, "-n", "-U", "--immediate-mode", "-B", "32768", "-w", str(pcap),
         f"tcp and host 127.0.0.1 and port {port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert tcpdump.stderr is not None
    lines: list[str] = []
    listening = threading.Event()

    def drain() -> None:
        for line in tcpdump.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if "listening on" in line:
                listening.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        if not listening.wait(10):
            raise RuntimeError("tcpdump did not start listening: " + "".join(lines)[-300:])
        received: list[str] = []
        replies: list[str] = []
        server = threading.Thread(target=_serve, args=(listener, reply_format, received))
        server.start()
        _client(port, messages, replies)
        server.join(10)
        time.sleep(0.3)  # let the last ACK reach the capture
    finally:
        listener.close()
        tcpdump.send_signal(signal.SIGINT)
        try:
            tcpdump.wait(10)
        except subprocess.TimeoutExpired:
            tcpdump.kill()
            tcpdump.wait(5)
        reader.join(5)
    text = "".join(lines)
    counts = {}
    for key, pattern in (("captured", r"(\d+) packets? captured"),
                         ("received_by_filter", r"(\d+) packets? received by filter"),
                         ("dropped_by_kernel", r"(\d+) packets? dropped by kernel")):
        match = re.search(pattern, text)
        if match:
            counts[key] = int(match.group(1))
    return {"port": port, "received": received, "replies": replies, "counts": counts}
