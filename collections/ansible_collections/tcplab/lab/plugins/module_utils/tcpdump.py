"""Start and stop tcpdump captures on this host without losing packets (standard library only).

start(): runs tcpdump in the background (packet-buffered, immediate mode, so every packet reaches
the file as it is seen) and returns only once tcpdump says it is "listening on" the interface,
i.e. the capture and its filter are live.

stop(): waits until the pcap has stopped growing for `settle` seconds (the last ACK of a teardown
may still be on its way when the programs exit), then sends SIGINT, which makes tcpdump flush and
print its own counts; returns them.

tcpdump's pid and stderr live beside the capture's spool stem (STEM.tcpdump.pid, .log); the pcap
itself may be anywhere (the run folder, when this host is the controller).
"""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import time

from ansible_collections.tcplab.lab.plugins.module_utils.files import discard, own_like_folder, read_int, sha256

# A capture's settings, the lab's defaults (module_utils/arguments.py gives them to the modules;
# role lab_exchange's defaults must be the same, tests/test_module_docs.py checks).
# Immediate mode hands over each packet at once, but its ring holds buffer / snaplen frames:
# with -s 0 (256 KiB slots) a 2 MiB ring holds only 8, so a burst would be dropped. A snaplen
# just over the largest IPv4 frame and an 8 MiB ring hold about 120, at a fifth of the memory
# (and of the time the kernel takes to set the ring up) of -s 0 with 32 MiB.
BUFFER_KIB = 8192  # tcpdump -B
SNAPLEN = 65600  # tcpdump -s
SETTLE = 0.5  # seconds without a new packet before a capture is stopped
TIMEOUT = 10.0  # seconds tcpdump may take to listen, and to stop

COUNT_PATTERNS = {
    "captured": re.compile(r"(\d+) packets? captured"),
    "received_by_filter": re.compile(r"(\d+) packets? received by filter"),
    "dropped_by_kernel": re.compile(r"(\d+) packets? dropped by kernel"),
}


class CaptureError(Exception):
    """A capture that could not start or stop cleanly; the message is one line."""


def tcpdump_path():
    return shutil.which("tcpdump") or shutil.which("tcpdump", path="/usr/sbin:/sbin")


def version():
    """tcpdump's version line, or '' when it is not installed."""
    path = tcpdump_path()
    if not path:
        return ""
    result = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    lines = (result.stdout + result.stderr).splitlines()
    return lines[0].strip() if lines else ""


def interface_exists(name):
    return os.path.exists(os.path.join("/sys/class/net", name))


def route_interface(peer):
    """The interface this host sends traffic to `peer` out of (the seeds' `ip a` step, automated)."""
    result = subprocess.run(["ip", "-json", "route", "get", peer], capture_output=True, text=True, check=False)
    try:
        routes = json.loads(result.stdout or "[]")
    except ValueError:
        routes = []
    if result.returncode != 0 or not routes or not routes[0].get("dev"):
        detail = " ".join(result.stderr.split()) or "no route"
        raise CaptureError(f"this host has no route to {peer} ({detail}); set the pair's capture_interface")
    return routes[0]["dev"]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (an exited child nobody has waited for yet) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def _log_text(path):
    try:
        with open(path, errors="replace") as log:
            return " ".join(line.strip() for line in log if line.strip())
    except OSError:
        return ""


def start(pcap, stem, interface, bpf_filter, timeout=TIMEOUT, buffer_kib=BUFFER_KIB, snaplen=SNAPLEN):
    """Start one capture; returns {pid, interface, filter, listening} once tcpdump listens."""
    tcpdump = tcpdump_path()
    if not tcpdump:
        raise CaptureError("tcpdump is not installed on this host")
    if not interface_exists(interface):
        raise CaptureError(f"interface {interface} does not exist on this host")
    pid_file, log_file = stem + ".tcpdump.pid", stem + ".tcpdump.log"
    old = read_int(pid_file)
    if old and alive(old):
        raise CaptureError(f"a capture into {pcap} is already running (tcpdump pid {old})")
    for path in (pcap, stem):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # Immediate mode, and a ring of buffer_kib in slots of snaplen (BUFFER_KIB above says why).
    command = [tcpdump, "-i", interface, "-n", "-U", "--immediate-mode", "-s", str(snaplen),
               "-B", str(buffer_kib),
               # Stay root: dropping to user tcpdump could not write into a root-owned folder.
               "-Z", "root", "-w", pcap, bpf_filter]
    with open(log_file, "wb") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=log, start_new_session=True)
    with open(pid_file, "w") as f:
        f.write(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log_file, errors="replace") as log:
            match = re.search(r"^.*listening on .*$", log.read(), re.MULTILINE)
        if match:
            return {"pid": process.pid, "interface": interface, "filter": bpf_filter,
                    "listening": match.group(0).strip()}
        if process.poll() is not None:
            os.unlink(pid_file)
            raise CaptureError(f"tcpdump exited ({process.returncode}): {_log_text(log_file)}")
        time.sleep(0.01)
    process.kill()
    process.wait()
    os.unlink(pid_file)
    raise CaptureError(f"tcpdump did not start listening on {interface} within {timeout:g} s")


def wait_until_quiet(pcap, settle, timeout):
    """Wait until the pcap has not grown for `settle` seconds (or `timeout` passed)."""
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


def stop(pcap, stem, settle=SETTLE, timeout=TIMEOUT):
    """Stop one capture once it is quiet; returns {counts, bytes, sha256}."""
    pid_file, log_file = stem + ".tcpdump.pid", stem + ".tcpdump.log"
    pid = read_int(pid_file)
    if not pid:
        raise CaptureError(f"no capture into {pcap} is running (no pid file)")
    wait_until_quiet(pcap, settle, timeout)
    if alive(pid):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    _reap(pid)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        raise CaptureError(f"tcpdump (pid {pid}) did not stop within {timeout:g} s; killed it")
    os.unlink(pid_file)
    with open(log_file, errors="replace") as log:
        text = log.read()
    counts = {}
    for name, pattern in COUNT_PATTERNS.items():
        match = pattern.search(text)
        if not match:
            raise CaptureError(f"tcpdump printed no '{name}' count: {_log_text(log_file)}")
        counts[name] = int(match.group(1))
    os.unlink(log_file)
    own_like_folder(pcap)
    return {"counts": counts, "bytes": os.path.getsize(pcap), "sha256": sha256(pcap)}


def _reap(pid):
    """Collect our own exited child, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_leftovers(folder, dry_run=False):
    """Stop every capture whose pid file is under `folder` (an earlier run cut short); their names.
    With `dry_run` (check mode) only name them: nothing is stopped or removed."""
    stopped = []
    for pid_file in sorted(glob.glob(os.path.join(folder, "**", "*.tcpdump.pid"), recursive=True)):
        pid = read_int(pid_file)
        if pid and alive(pid) and _is_tcpdump(pid):
            if not dry_run:
                os.kill(pid, signal.SIGINT)
                deadline = time.monotonic() + 5
                while alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
            stopped.append(pid_file[:-len(".tcpdump.pid")])
        if not dry_run:
            discard(pid_file)
    return stopped


def _is_tcpdump(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return os.path.basename(f.read().split(b"\0")[0]) == b"tcpdump"
    except OSError:
        return False

