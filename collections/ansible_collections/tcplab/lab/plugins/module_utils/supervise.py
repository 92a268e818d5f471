"""A lab server on a machine, running between two module calls (standard library only).

spawn() starts a small supervisor in a session of its own; the supervisor runs the server with its
output in files beside STEM and writes STEM.server.pid at once and STEM.server.rc when the server
exits. finish() waits for that exit status and stops exactly that server - found by its pid file
and checked by its command line - if it runs too long. No pattern matching on process names: two
pairs on one machine never touch each other's server.
"""

import glob
import os
import signal
import subprocess
import sys
import time

from ansible_collections.tcplab.lab.plugins.module_utils.files import discard, read_int

SUPERVISOR = """
import os, subprocess, sys
stem, argv = sys.argv[1], sys.argv[2:]
with open(stem + ".server.out", "wb") as out, open(stem + ".server.err", "wb") as err:
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    with open(stem + ".server.pid.tmp", "w") as f:
        f.write(str(process.pid))
    os.replace(stem + ".server.pid.tmp", stem + ".server.pid")
    rc = process.wait()
with open(stem + ".server.rc.tmp", "w") as f:
    f.write(str(rc))
os.replace(stem + ".server.rc.tmp", stem + ".server.rc")
"""


class SuperviseError(Exception):
    """The server could not be started or stopped; one line."""


def spawn(stem, argv, timeout=5.0):
    """Start argv under a supervisor; returns the server's pid once it runs."""
    os.makedirs(os.path.dirname(stem), exist_ok=True)
    for suffix in (".server.pid", ".server.rc", ".server.out", ".server.err"):
        if os.path.exists(stem + suffix):
            os.unlink(stem + suffix)
    subprocess.Popen([sys.executable, "-c", SUPERVISOR, stem] + list(argv), start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     close_fds=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = read_int(stem + ".server.pid")
        if pid:
            return pid
        time.sleep(0.01)
    raise SuperviseError(f"the server did not start within {timeout:g} s")


def exited(stem):
    """The server's exit status, or None while it runs."""
    return read_int(stem + ".server.rc", default=None)


def output(stem):
    return tuple(_read_text(stem + suffix) for suffix in (".server.out", ".server.err"))


def finish(stem, argv, timeout):
    """Wait up to `timeout` s for the server to exit; stop it if it does not. (finished, rc)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rc = exited(stem)
        if rc is not None:
            return True, rc
        time.sleep(0.05)
    stop(stem, argv)
    return False, exited(stem)


def stop(stem, argv):
    """Stop the server of STEM, if it is still the process its pid file names."""
    pid = read_int(stem + ".server.pid")
    if not pid or exited(stem) is not None or not _runs(pid, argv):
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and _runs(pid, argv):
            time.sleep(0.02)
        if not _runs(pid, argv):
            break
    # The supervisor records the exit status once its server is gone; give it a moment.
    deadline = time.monotonic() + 1.0
    while exited(stem) is None and os.path.exists(stem + ".server.out") and time.monotonic() < deadline:
        time.sleep(0.02)
    return True


def stop_leftovers(folder, program_dir, dry_run=False):
    """Stop the servers an earlier run started under `folder` and never finished; their stems.
    With `dry_run` (check mode) only name them: nothing is stopped or removed."""
    stopped = []
    for pid_file in sorted(glob.glob(os.path.join(folder, "**", "*.server.pid"), recursive=True)):
        stem = pid_file[:-len(".server.pid")]
        pid = read_int(pid_file)
        command = _command(pid) if pid else []
        if exited(stem) is None and command[1:2] and command[1].startswith(program_dir.rstrip("/") + "/"):
            if not dry_run:
                stop(stem, command)
            stopped.append(stem)
        if not dry_run:
            discard(pid_file)
    return stopped


def _runs(pid, argv):
    return _command(pid) == [str(a) for a in argv]


def _command(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [part.decode("utf-8", "replace") for part in f.read().split(b"\0")[:-1]]
    except OSError:
        return []


def _read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""
