"""Real captures for the tests: tcpdump on loopback while the real lab programs talk.

`Tcpdump` starts ``tcpdump -i lo`` (or ``-i any``) with a filter, waits until tcpdump says it is
listening, and when stopped (SIGINT) returns tcpdump's own counts. `capture_exchange` captures
one exchange of a scenario the way the lab makes it: tcpdump first, filtered on a free port;
then ``files/<scenario>/server.py`` on 127.0.0.1 at that port; once it listens,
``client.py`` with the messages as arguments (never through a shell); the server exits when the
client has closed; tcpdump is stopped once the last ACK of the teardown has had time to arrive.
`write_lab_run` makes a whole run folder of such captures, with transcripts and manifest.json.
Needs root (or CAP_NET_RAW) and tcpdump; traffic stays on 127.0.0.1.

``--immediate-mode`` makes tcpdump write packets as they come (without it a short exchange can
still sit in the kernel's ring when SIGINT arrives: "0 packets captured"). In immediate mode the
ring holds buffer/snaplen frames, about 7 with the defaults (2 MiB, 262144 bytes), so a busy
machine drops packets: ``-B 32768`` (KiB) gives room for over a hundred.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

LAB_FILES = Path(__file__).resolve().parent.parent / "collections/ansible_collections/tcplab/lab/roles/lab_plan/files"
CLIENT_LABELS = ("Received from server: ", "Received upcall from server: ")
TIMEOUT = 20  # seconds for any one wait


def can_capture() -> str | None:
    """None when loopback captures can be made here, else why not."""
    if shutil.which("tcpdump") is None:
        return "tcpdump is not installed"
    probe = subprocess.run(["tcpdump", "-D"], capture_output=True, text=True, timeout=10)
    if probe.returncode != 0 or "lo" not in probe.stdout:
        return f"tcpdump cannot list interfaces: {probe.stderr.strip()[:120]}"
    return None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the server binds it again with SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Tcpdump:
    """tcpdump writing `pcap` from `interface`, started listening; `stop` returns its counts.

    `prefix` runs it elsewhere, e.g. ``ip netns exec NS`` (tests/netns.py).
    """

    def __init__(self, pcap: Path, interface: str, capture_filter: str,
                 prefix: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*(prefix or []), "tcpdump", "-i", interface, "-n", "-U", "--immediate-mode", "-B",
             "32768", "-w", str(pcap), capture_filter],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        listening = threading.Event()

        def drain() -> None:
            for line in self.proc.stderr:  # type: ignore[union-attr]
                self.lines.append(line)
                if "listening on" in line:
                    listening.set()

        self.reader = threading.Thread(target=drain, daemon=True)
        self.reader.start()
        if not listening.wait(10):
            self.stop()
            raise RuntimeError("tcpdump did not start listening: " + "".join(self.lines)[-300:])

    def stop(self) -> dict[str, int]:
        """Stop tcpdump as Ctrl+C does; its counts: captured, received_by_filter, dropped."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.reader.join(5)
        text = "".join(self.lines)
        counts = {}
        for key, pattern in (("captured", r"(\d+) packets? captured"),
                             ("received_by_filter", r"(\d+) packets? received by filter"),
                             ("dropped_by_kernel", r"(\d+) packets? dropped by kernel")):
            match = re.search(pattern, text)
            if match:
                counts[key] = int(match.group(1))
        return counts


@dataclass
class Captured:
    """One captured exchange of the real programs: what each printed and what tcpdump counted."""

    port: int
    counts: dict[str, int]
    server_status: int
    server_output: str  # stdout, then stderr, like the lab's transcripts
    client_status: int
    client_output: str

    @property
    def replies(self) -> list[str]:
        """The replies the client printed, without its label."""
        return [line[len(label):] for line in self.client_output.splitlines()
                for label in CLIENT_LABELS if line.startswith(label)]


def capture_exchange(pcap: Path, scenario: str, messages: list[str],
                     interface: str = "lo") -> Captured:
    """Capture the real programs of `scenario` exchanging `messages` into `pcap`."""
    port = free_port()
    tcpdump = Tcpdump(pcap, interface, f"tcp and host 127.0.0.1 and port {port}")
    server = None
    try:
        server = subprocess.Popen(
            [sys.executable, str(LAB_FILES / scenario / "server.py"), "--host", "127.0.0.1",
             "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8")
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first == f"Server listening on 127.0.0.1:{port}\n", first
        client = subprocess.run(
            [sys.executable, str(LAB_FILES / scenario / "client.py"), "--host", "127.0.0.1",
             "--port", str(port), "--", *messages],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8",
            timeout=TIMEOUT)
        rest, errors = server.communicate(timeout=TIMEOUT)
        time.sleep(0.3)  # let the last ACK reach the capture
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.communicate(timeout=TIMEOUT)
        counts = tcpdump.stop()
    return Captured(port, counts, server.returncode, first + rest + errors, client.returncode,
                    client.stdout + client.stderr)


SCENARIO_PORTS = {"reqresp": 2222, "upcall": 4141}
REPLY_FORMATS = {"reqresp": "{message}", "upcall": "Upcall event: Processing {message}"}


def write_lab_run(root: Path, plan: list[tuple[str, str, list[str], list[str]]],
                  pairs: list[str], run_id: str = "20261122T101500Z") -> Path:
    """A run folder as the lab writes it (DESIGN.md), from real captures of the real programs.

    `plan` holds (pair, scenario, messages the client is given, messages the manifest lists):
    the two differ only to make a capture the analyzer must find incomplete. Each capture's
    status and `answered` come from the programs themselves (exit statuses, the client's
    printed replies), as the lab's own record does; the analyzer is not asked.
    """
    captures = []
    for pair, scenario, sent, listed in plan:
        (root / pair).mkdir(parents=True, exist_ok=True)
        done = capture_exchange(root / pair / f"{scenario}.pcap", scenario, sent)
        for name, text in (("server", done.server_output), ("client", done.client_output)):
            (root / pair / f"{scenario}.{name}.log").write_text(text, encoding="utf-8")
        expected = [REPLY_FORMATS[scenario].replace("{message}", m) for m in listed]
        answered = sum(1 for got, want in zip(done.replies, expected) if got == want)
        reasons = ([f"client exited {done.client_status}"] if done.client_status else []) + (
            [f"{answered} of {len(listed)} messages got their correct reply"]
            if answered < len(listed) else [])
        captures.append({
            "pair": pair, "scenario": scenario, "status": "failed" if reasons else "ok",
            "reasons": reasons,
            "server": {"host": "localhost", "address": "127.0.0.1", "port": done.port,
                       "rc": done.server_status},
            "client": {"host": "localhost", "address": "127.0.0.1", "rc": done.client_status},
            "capture": {"host": "localhost", "interface": "lo", "counts": done.counts},
            "messages": listed, "expected_replies": expected, "answered": answered,
            "files": {"pcap": f"{pair}/{scenario}.pcap",
                      "server_log": f"{pair}/{scenario}.server.log",
                      "client_log": f"{pair}/{scenario}.client.log"}})
    scenarios = list(dict.fromkeys(scenario for _, scenario, _, _ in plan))
    manifest = {
        "schema": "tcplab.manifest/1", "run_id": run_id, "lab_id": "tcplab",
        "settings": {"pairs": pairs, "scenarios": scenarios},
        "scenarios": {name: {"port": SCENARIO_PORTS[name], "reply_format": REPLY_FORMATS[name],
                             "server": f"{name}/server.py", "client": f"{name}/client.py"}
                      for name in scenarios},
        "versions": {"python": sys.version.split()[0]},
        "captures": captures,
        "files": {f"{c['pair']}/{c['scenario']}.pcap": hashlib.sha256(
            (root / c["files"]["pcap"]).read_bytes()).hexdigest() for c in captures},
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                        encoding="utf-8")
    return root
