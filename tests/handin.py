"""Captures taken the way students take them by hand, for the hand-out and grading tests.

`class_plan` builds, with the real `build_plan`, the plan of a class whose pairs each work on one
machine, this one (127.0.0.1): so the hand-out's commands run here, over loopback, and tcpdump
captures on ``lo``. `handout_commands` reads a pair's commands for a scenario back out of its
hand-out (``<pair>.md``, the three ``sh`` blocks: server, tcpdump, client).

`take_capture` then does what the hand-out (and the seeds) tell a student to do, in three
"terminals": start the server; start tcpdump with the hand-out's command, exactly (no
``--immediate-mode``: a student does not type it) and wait until it is listening; start the
client and type the messages on its standard input, then ``exit``; once the server has stopped,
stop tcpdump with Ctrl+C (SIGINT) a moment later, as a person does. Optionally the client is
stopped with Ctrl+C as soon as the server printed a given line (a student giving up on a reply
that never comes). Needs root (or CAP_NET_RAW) and tcpdump.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from analyzer_loopback import free_port
from tcplab.planning import build_plan

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "collections/ansible_collections/tcplab/lab/roles/lab_plan/files"
PROGRAMS = Path(__file__).resolve().parent / "student_programs"
TIMEOUT = 20
SETTLE = 2.0  # seconds between the server stopping and Ctrl+C on tcpdump: its buffer timeout is 1 s


def class_plan(captures_dir: Path, roster: list[dict], seed: str = "kelas-a 2026",
               ports: dict[str, int] | None = None, **changes: object) -> dict:
    """The plan of a class of pairs on this machine (server and client on 127.0.0.1)."""
    ports = ports or {"reqresp": free_port(), "upcall": free_port()}
    scenarios = {
        "reqresp": {"port": ports["reqresp"], "server": "reqresp/server.py",
                    "client": "reqresp/client.py", "reply_format": "{message}", "handin": "tcp",
                    "messages": ["hello", "request and response over TCP"]},
        "upcall": {"port": ports["upcall"], "server": "upcall/server.py",
                   "client": "upcall/client.py",
                   "reply_format": "Upcall event: Processing {message}", "handin": "upcall",
                   "messages": ["1", "order 42 placed"]},
    }
    settings = {
        "lab_id": "tcplab", "lab_run_id": "20261122T050221Z", "lab_class_size": 0,
        "lab_roster": [{"server": "lab-pc", "client": "lab-pc", **entry} for entry in roster],
        "lab_run_scenarios": ["reqresp", "upcall"], "lab_scenarios": scenarios,
        "lab_messages": {}, "lab_messages_seed": seed, "lab_messages_count": 3,
        "lab_captures_dir": str(captures_dir), "lab_programs_dir": str(FILES),
        "lab_docker_host": "localhost", "lab_image_name": "img",
        "lab_network_pool": "10.213.0.0/16", "lab_network_prefix": 24, "lab_bridge_prefix": "",
        "lab_capture_point": "bridge", "lab_capture_host": "", "lab_capture_interface": "",
        "lab_remote_dir": str(FILES), "lab_spool": "/var/tmp/tcplab",
        "report_languages": ["en", "id"], **changes}
    hosts = {"localhost": {"ansible_connection": "local"}, "lab-pc": {"lab_address": "127.0.0.1"}}
    return build_plan(settings, {"hosts": hosts})


def write_plan(plan: dict, path: Path) -> Path:
    """The plan as the lab writes it: plan.json, plain JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Commands:
    """A scenario's three commands from a pair's hand-out, as argv lists."""

    server: list[str]
    tcpdump: list[str]
    client: list[str]


def handout_commands(markdown: str, scenario: str) -> Commands:
    """The ``sh`` blocks of the scenario's section of a hand-out (``## `reqresp` (port ...)``)."""
    sections = re.split(r"^## ", markdown, flags=re.MULTILINE)
    section = next(s for s in sections if s.startswith(f"`{scenario}` "))
    blocks = re.findall(r"^ *```sh\n *(.+)\n *```$", section, flags=re.MULTILINE)
    assert len(blocks) == 3, blocks
    server, tcpdump, client = (shlex.split(block) for block in blocks)
    return Commands(server, tcpdump, client)


@dataclass
class Taken:
    """What a hand-made capture left: the file and what each program printed."""

    pcap: Path
    server_status: int
    server_output: str
    client_status: int
    client_output: str
    tcpdump_output: str


def take_capture(folder: Path, commands: Commands, typed: list[str],
                 server: list[str] | None = None, client: list[str] | None = None,
                 interrupt_client_on: str | None = None) -> Taken:
    """One capture taken by hand in `folder` with the hand-out's commands (see the module).

    `server` and `client` replace the hand-out's programs (a broken server, the seeds' own
    programs); `typed` is what the student types, ``exit`` is added for the lab's clients.
    """
    folder.mkdir(parents=True, exist_ok=True)
    server_argv = server or commands.server
    client_argv = client or commands.client
    started = subprocess.Popen(server_argv, cwd=folder, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert started.stdout is not None
    printed = [started.stdout.readline()]
    assert printed[0].startswith("Server listening on"), printed
    seen = threading.Event()

    def watch_server() -> None:
        for line in started.stdout:  # type: ignore[union-attr]
            printed.append(line)
            if interrupt_client_on is not None and line.rstrip("\n") == interrupt_client_on:
                seen.set()

    watcher = threading.Thread(target=watch_server, daemon=True)
    watcher.start()
    tcpdump = subprocess.Popen(commands.tcpdump, cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    assert tcpdump.stderr is not None
    listening = tcpdump.stderr.readline()
    assert "listening on" in listening, listening
    talking = subprocess.Popen(client_argv, cwd=folder, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = typed if client else [*typed, "exit"]
    try:
        if interrupt_client_on is None:
            client_output, _ = talking.communicate("".join(f"{line}\n" for line in lines),
                                                   timeout=TIMEOUT)
        else:
            assert talking.stdin is not None
            talking.stdin.write("".join(f"{line}\n" for line in lines))
            talking.stdin.close()
            assert seen.wait(TIMEOUT), "".join(printed)
            time.sleep(0.3)  # the student waits a moment for the reply, then gives up
            talking.send_signal(signal.SIGINT)
            client_output = talking.stdout.read()  # type: ignore[union-attr]
            talking.wait(TIMEOUT)
        started.wait(TIMEOUT)
        watcher.join(TIMEOUT)
        time.sleep(SETTLE)
    finally:
        for process in (talking, started):
            if process.poll() is None:
                process.kill()
                process.wait(TIMEOUT)
        tcpdump.send_signal(signal.SIGINT)
        rest = tcpdump.communicate(timeout=TIMEOUT)[1]
    pcap = folder / commands.tcpdump[commands.tcpdump.index("-w") + 1]
    return Taken(pcap, started.returncode, "".join(printed), talking.returncode, client_output,
                 listening + rest)


def seed_programs(port: int) -> tuple[list[str], list[str]]:
    """argv of the seeds' own upcall server and client (bare text, one recv per message)."""
    return ([sys.executable, str(PROGRAMS / "seed_upcall_server.py"), str(port)],
            [sys.executable, str(PROGRAMS / "seed_upcall_client.py"), "127.0.0.1", str(port)])


def silent_server(commands: Commands, scenario: str, number: int) -> list[str]:
    """The hand-out's server command, run by a server that never answers message `number`."""
    return [sys.executable, str(PROGRAMS / "silent_server.py"), scenario, str(number),
            *commands.server[2:]]
