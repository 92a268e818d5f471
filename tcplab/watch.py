"""Watch one pair's traffic live, from where the lab captures it, until Ctrl+C.

    make watch PAIR=p01 [SCENARIO=upcall] [PLAN=captures/<run-id>/plan.json]
    tcplab watch p01 [--scenario upcall] [--plan ...] [-i inventory/common -i inventory/docker]

The pair, its capture host, the interface and the filter come from a run's plan.json (the latest
run's by default, read by `tcplab.formats.plan`): the same capture point, filter and snaplen the
lab uses (`tcplab.formats.capture`). tcpdump runs on the capture
host - here (with sudo when you are not root), or on a machine reached with ssh, using the
inventory's ansible_host, ansible_user, ansible_port, key file and ansible_ssh_common_args - and
its stream goes into Wireshark when there is a display, else into tshark in this terminal.
Ctrl+C stops it (exit 0); a remote tcpdump stops when its ssh connection's input ends (ssh
without a terminal passes no signal on), so it never outlives the watch.
Errors are one line; exit status 2 for a bad argument, 1 when the capture cannot run.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .arguments import Arguments
from .formats.capture import SNAPLEN, capture_filter
from .formats.plan import PlanFileError, load_plan

LATEST_PLAN = Path("captures") / "latest" / "plan.json"
INVENTORIES = ["inventory/common", "inventory/docker"]


class WatchError(Exception):
    """Why the watch cannot run, one line."""


def load_pair(plan_path: Path, name: str, scenario: str | None) -> tuple[dict, dict, list[int]]:
    """(plan, the pair's record, the ports to watch) from a run's plan.json (`load_plan`)."""
    try:
        plan = load_plan(plan_path)
    except PlanFileError as error:
        if error.text.key == "planfile.missing":
            raise WatchError(f"{plan_path}: no such plan; run the lab first (make lab, or "
                             "make lab ARGS=\"--tags lab_provision\"), or give "
                             "PLAN=captures/<run-id>/plan.json") from None
        raise WatchError(str(error)) from None
    pairs = {pair["name"]: pair for pair in plan["pairs"]}
    if name not in pairs:
        raise WatchError(f"pair {name!r} is not in the plan of run {plan['run_id']}; its pairs: "
                         f"{', '.join(pairs)}")
    if scenario is not None and scenario not in plan["scenarios"]:
        raise WatchError(f"scenario {scenario!r} is not in the plan of run {plan['run_id']}; its scenarios: "
                         f"{', '.join(plan['scenarios'])}")
    names = [scenario] if scenario else list(plan["scenarios"])
    return plan, pairs[name], [plan["scenarios"][n]["port"] for n in names]


@dataclass(frozen=True)
class Where:
    """How to run a command as root on the capture host: sudo here, or ssh to a machine."""

    ssh: list[str]
    sudo: list[str]

    def run(self, argv: list[str]) -> list[str]:
        if not self.ssh:
            return self.sudo + argv
        # ssh hands the remote side one shell line: quote every word.
        return self.ssh + [shlex.join(self.sudo + argv)]

    def run_until_eof(self, argv: list[str]) -> list[str]:
        """argv that runs until its stdin is closed. ssh without a terminal passes no signal on,
        so on a machine the command runs under a small python3 wrapper that stops it (SIGINT,
        tcpdump's clean stop) when the connection's stdin ends: when the watch closes it, or
        when the watch is gone, however it ended. Here the command is stopped by its signal."""
        if not self.ssh:
            return self.run(argv)
        return self.run(["python3", "-c", UNTIL_EOF, *argv])


# Runs argv, stops it with SIGINT when stdin ends, exits with its status (standard library only).
UNTIL_EOF = """
import os, signal, subprocess, sys, threading
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
def stop():
    while os.read(0, 4096):
        pass
    child.send_signal(signal.SIGINT)
threading.Thread(target=stop, daemon=True).start()
rc = child.wait()
sys.exit(rc if rc >= 0 else 128 - rc)
"""


def where(host: str, inventories: list[str]) -> Where:
    settings = host_settings(host, inventories)
    if settings.get("ansible_connection") == "local":
        return Where([], [] if os.geteuid() == 0 else ["sudo"])
    ssh = ["ssh", "-o", "BatchMode=yes"] + shlex.split(str(settings.get("ansible_ssh_common_args") or ""))
    if settings.get("ansible_port"):
        ssh += ["-p", str(settings["ansible_port"])]
    if settings.get("ansible_ssh_private_key_file"):
        ssh += ["-i", os.path.expanduser(str(settings["ansible_ssh_private_key_file"]))]
    user = str(settings.get("ansible_user") or "root")
    ssh += ["-l", user, str(settings.get("ansible_host") or host)]
    return Where(ssh, [] if user == "root" else ["sudo", "-n"])


def host_settings(host: str, inventories: list[str]) -> dict:
    """The connection settings of an inventory host, as Ansible itself works them out."""
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=inventories)
    found = inventory.get_host(host)
    if found is None:
        raise WatchError(f"{host} is not a host of the inventory {', '.join(inventories)} "
                         "(give the lab's inventory with INVENTORY=...)")
    variables = VariableManager(loader=loader, inventory=inventory).get_vars(host=found)
    templar = Templar(loader=loader, variables=variables)
    keys = ("ansible_connection", "ansible_host", "ansible_port", "ansible_user", "ansible_ssh_private_key_file",
            "ansible_ssh_common_args")
    return {key: templar.template(variables[key]) for key in keys if variables.get(key) is not None}


def interface_for(pair: dict, host: Where) -> str:
    """The plan's interface, else the one the capture host routes the pair's other end through."""
    if pair["capture"]["interface"]:
        return pair["capture"]["interface"]
    done = subprocess.run(host.run(["ip", "-json", "route", "get", pair["capture"]["peer"]]),
                          capture_output=True, text=True, check=False)
    try:
        return json.loads(done.stdout)[0]["dev"]
    except (ValueError, IndexError, KeyError):
        raise WatchError(f"{pair['capture']['host']} has no route to {pair['capture']['peer']}: "
                         f"{' '.join(done.stderr.split()) or 'no answer'}") from None


def viewer() -> list[str]:
    """Wireshark reading the stream when there is a display, else tshark printing each packet."""
    if os.environ.get("DISPLAY") and shutil.which("wireshark"):
        return ["wireshark", "-k", "-i", "-"]
    if shutil.which("tshark"):
        return ["tshark", "-l", "-n", "-r", "-"]
    raise WatchError("neither wireshark (with a display) nor tshark is installed here: "
                     "install Debian's tshark package")


def main(argv: list[str] | None = None) -> int:
    parser = Arguments(prog="tcplab watch", description=__doc__.splitlines()[0])
    parser.add_argument("pair", help="the pair to watch, e.g. p01")
    parser.add_argument("--scenario", help="only this scenario's port (default: every scenario's)")
    parser.add_argument("--plan", type=Path, default=LATEST_PLAN, help=f"the run's plan (default {LATEST_PLAN})")
    parser.add_argument("-i", "--inventory", action="append", help="the lab's inventories, in order "
                        f"(default {' '.join(INVENTORIES)})")
    args = parser.parse_args(argv)
    try:
        plan, pair, ports = load_pair(args.plan, args.pair, args.scenario)
        host = where(pair["capture"]["host"], args.inventory or INVENTORIES)
        interface = interface_for(pair, host)
        show = viewer()
    except WatchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    capture = host.run_until_eof(["tcpdump", "-i", interface, "-n", "-U", "--immediate-mode", "-s", str(SNAPLEN),
                                  "-w", "-", capture_filter(pair, ports)])
    print(f"Watching {pair['name']} ({', '.join(str(p) for p in ports)}) on {pair['capture']['host']}, "
          f"interface {interface}; Ctrl+C stops", flush=True)
    # Being stopped any other way (kill, the terminal closing) stops the capture as Ctrl+C does.
    for stopping in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stopping, _interrupt)
    interrupted = False
    tcpdump = shown = None
    try:
        # The capture's stdin is a pipe only the watch holds: closing it stops a remote capture.
        tcpdump = subprocess.Popen(capture, stdin=subprocess.PIPE if host.ssh else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, start_new_session=True)
        shown = subprocess.Popen(show, stdin=tcpdump.stdout, start_new_session=True)
        tcpdump.stdout.close()
        shown.wait()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        # A second Ctrl+C (or kill) while the capture stops is one too many: it is stopping.
        for stopping in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stopping, signal.SIG_IGN)
        _stop(tcpdump, shown)
    if interrupted or tcpdump is None:
        return 0
    if tcpdump.returncode not in (0, -signal.SIGINT, 130):
        print(f"error: the capture on {pair['capture']['host']} stopped ({tcpdump.returncode}; "
              "tcpdump said why above)", file=sys.stderr)
        return 1
    return 0


def _stop(tcpdump: subprocess.Popen | None, shown: subprocess.Popen | None) -> None:
    """Stop the capture (a remote one by closing its stdin, a local one by SIGINT) and the viewer."""
    if tcpdump is not None and tcpdump.stdin is not None:
        try:
            tcpdump.stdin.close()
        except OSError:
            pass
    for process in (tcpdump, shown):
        if process is not None and process.poll() is None and not (process is tcpdump and tcpdump.stdin):
            os.killpg(process.pid, signal.SIGINT)
    for process in (tcpdump, shown):
        if process is None:
            continue
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _interrupt(_signal, _frame):
    raise KeyboardInterrupt

