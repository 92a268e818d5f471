#!/usr/bin/env python3
"""Start and stop one tcpdump capture on this host, without losing packets.

    lab_tcpdump.py start --pcap FILE --interface IFACE --filter EXPR [--timeout S] [--buffer-kib K]
    lab_tcpdump.py stop  --pcap FILE [--settle S] [--timeout S]

start: runs tcpdump in the background (packet-buffered, immediate mode, so every packet reaches
the file as it is seen), keeps its stderr in FILE.log, and returns only once tcpdump says it is
"listening on" the interface, i.e. the capture and its filter are live.

stop: waits until FILE has stopped growing for SETTLE seconds (the last ACK of a teardown may
still be on its way when the programs exit), then sends SIGINT, which makes tcpdump flush and
print its own counts; returns them.

Both print one JSON object on stdout. Errors: one line on stderr, exit status 1.
Stdlib only: it runs on whatever host owns the bridge (the Docker host, a hypervisor, a VM).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

COUNT_PATTERNS = {
    "captured": re.compile(r"(\d+) packets? captured"),
    "received_by_filter": re.compile(r"(\d+) packets? received by filter"),
    "dropped_by_kernel": re.compile(r"(\d+) packets? dropped by kernel"),
}


class CaptureError(Exception):
    pass


def pid_file(pcap):
    return pcap + ".pid"


def log_file(pcap):
    return pcap + ".log"


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own exited child) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def log_text(path):
    """tcpdump's stderr as one line, for error messages."""
    try:
        with open(path, errors="replace") as log:
            return " ".join(line.strip() for line in log if line.strip())
    except OSError:
        return ""


def start(pcap, interface, bpf_filter, timeout, buffer_kib):
    tcpdump = shutil.which("tcpdump") or shutil.which("tcpdump", path="/usr/sbin:/sbin")
    if not tcpdump:
        raise CaptureError("tcpdump is not installed on this host")
    if os.path.exists(pid_file(pcap)):
        with open(pid_file(pcap)) as f:
            old = int(f.read().strip() or 0)
        if old and alive(old):
            raise CaptureError(f"a capture into {pcap} is already running (pid {old})")
    os.makedirs(os.path.dirname(os.path.abspath(pcap)), exist_ok=True)
    # Immediate mode hands over each packet at once, but its ring holds buffer / snaplen frames:
    # at the default 2 MiB only 8 full-size frames, so a burst would be dropped. -B enlarges it.
    command = [tcpdump, "-i", interface, "-n", "-U", "--immediate-mode", "-s", "0",
               "-B", str(buffer_kib),
               # Stay root: dropping to user tcpdump could not write into a root-owned folder.
               "-Z", "root", "-w", pcap, bpf_filter]
    with open(log_file(pcap), "wb") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=log, start_new_session=True)
    with open(pid_file(pcap), "w") as f:
        f.write(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log_file(pcap), errors="replace") as log:
            text = log.read()
        match = re.search(r"^.*listening on .*$", text, re.MULTILINE)
        if match:
            return {"pid": process.pid, "interface": interface, "filter": bpf_filter,
                    "command": command, "listening": match.group(0).strip()}
        if process.poll() is not None:
            os.unlink(pid_file(pcap))
            raise CaptureError(f"tcpdump exited ({process.returncode}): {log_text(log_file(pcap))}")
        time.sleep(0.02)
    process.kill()
    os.unlink(pid_file(pcap))
    raise CaptureError(f"tcpdump did not start listening on {interface} within {timeout} s")


def wait_until_quiet(pcap, settle, timeout):
    """Wait until the pcap file has not grown for `settle` seconds (or `timeout` passed)."""
    deadline = time.monotonic() + timeout
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        current = os.path.getsize(pcap) if os.path.exists(pcap) else 0
        if current != size:
            size, since = current, time.monotonic()
        elif time.monotonic() - since >= settle:
            return size
        time.sleep(0.05)
    return size


def stop(pcap, settle, timeout):
    try:
        with open(pid_file(pcap)) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        raise CaptureError(f"no capture into {pcap} is running (no pid file)") from None
    wait_until_quiet(pcap, settle, timeout)
    if alive(pid):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        raise CaptureError(f"tcpdump (pid {pid}) did not stop within {timeout} s; killed it")
    os.unlink(pid_file(pcap))
    with open(log_file(pcap), errors="replace") as log:
        text = log.read()
    counts = {}
    for name, pattern in COUNT_PATTERNS.items():
        match = pattern.search(text)
        if not match:
            raise CaptureError(f"tcpdump printed no '{name}' count: {log_text(log_file(pcap))}")
        counts[name] = int(match.group(1))
    return {"counts": counts, "bytes": os.path.getsize(pcap), "log": text.strip().splitlines()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    start_args = sub.add_parser("start")
    start_args.add_argument("--pcap", required=True)
    start_args.add_argument("--interface", required=True)
    start_args.add_argument("--filter", required=True)
    start_args.add_argument("--timeout", type=float, default=10.0)
    start_args.add_argument("--buffer-kib", type=int, default=32768)
    stop_args = sub.add_parser("stop")
    stop_args.add_argument("--pcap", required=True)
    stop_args.add_argument("--settle", type=float, default=0.5)
    stop_args.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    try:
        if args.action == "start":
            result = start(args.pcap, args.interface, args.filter, args.timeout, args.buffer_kib)
        else:
            result = stop(args.pcap, args.settle, args.timeout)
    except (CaptureError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
