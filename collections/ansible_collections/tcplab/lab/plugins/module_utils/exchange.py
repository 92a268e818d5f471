"""What every way of running an exchange shares: the programs' argv, the listening check, results.

A result describes one capture (a pair running one scenario) as it went:

    {"pair", "scenario", "started", "error",          # error: why the exchange stopped early, or ""
     "capture": {"host", "interface", "filter", "listening", "tcpdump", "counts", "sha256", "bytes"},
     "server": {"host", "address", "ran", "finished", "rc", "stdout", "stderr"},
     "client": {"host", "address", "ran", "rc", "stdout", "stderr"}}

The Docker batch fills one whole result per pair; on machines each step (capture, server, client)
fills its part on its own machine, and the record step merges the parts.
"""

import datetime
import os
import tarfile

from ansible_collections.tcplab.lab.plugins.module_utils.files import own_like_folder, prune


class StepError(Exception):
    """A step of one pair's exchange failed; the message is the reason, one line."""


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def server_argv(run, scenario, python="python3"):
    return [python, os.path.join(run["remote_dir"], scenario["server"]), "--port", str(scenario["port"])]


def client_argv(run, scenario, pair, reply_timeout, python="python3"):
    # The messages travel as arguments, never through a shell; `--` ends the options.
    return [python, os.path.join(run["remote_dir"], scenario["client"]),
            "--host", pair["server"]["address"], "--port", str(scenario["port"]),
            "--timeout", str(reply_timeout), "--"] + list(pair["messages"][scenario["name"]])


def client_deadline(pair, scenario, reply_timeout):
    """Seconds a client may take in all: a reply timeout per message, and one for connecting."""
    return reply_timeout * (len(pair["messages"][scenario["name"]]) + 1) + 5


def listening(net_folder, port):
    """True when a socket listens on `port` in the network namespace whose /proc/.../net is given.

    Reads the kernel's socket tables (state 0A is LISTEN), so no connection is made: the one client
    a lab server accepts is the lab's client.
    """
    wanted = f":{port:04X}"
    for table in ("tcp", "tcp6"):
        try:
            with open(os.path.join(net_folder, table)) as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    if len(fields) > 3 and fields[1].endswith(wanted) and fields[3] == "0A":
                        return True
        except FileNotFoundError:
            continue
    return False


def last_line(text):
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def new_result(pair, scenario):
    return {
        "pair": pair["name"], "scenario": scenario["name"], "started": utc_now(), "error": "",
        "capture": {"host": pair["capture"]["host"], "interface": pair["capture"]["interface"],
                    "filter": "", "listening": "", "tcpdump": "", "counts": None, "sha256": None},
        "server": {"host": pair["server"]["host"], "address": pair["server"]["address"],
                   "ran": False, "finished": False, "rc": None, "stdout": "", "stderr": ""},
        "client": {"host": pair["client"]["host"], "address": pair["client"]["address"],
                   "ran": False, "rc": None, "stdout": "", "stderr": ""},
    }


def deliver(run, pairs, results, name):
    """The captures of `results` ({<pair>/<scenario>: result}) once stopped: when the controller
    captured them all they are in the run folder already and the spool is pruned (""); else the
    pcaps with a checksum are packed into one archive <spool>/<lab_id>/<run_id>/<name> (members
    <pair>/<scenario>.pcap) for one fetch, its path returned ("" when there is no result)."""
    folder = os.path.join(run["spool"], run["lab_id"], run["run_id"])
    if all(pair["capture"]["local"] for pair in pairs):
        prune(folder)
        return ""
    if not results:
        return ""
    archive = os.path.join(folder, name)
    os.makedirs(folder, exist_ok=True)
    with tarfile.open(archive + ".tmp", "w") as tar:
        for capture, result in sorted(results.items()):
            pcap = os.path.join(folder, capture + ".pcap")
            if ((result or {}).get("capture") or {}).get("sha256") and os.path.exists(pcap):
                tar.add(pcap, arcname=capture + ".pcap")
    os.replace(archive + ".tmp", archive)
    return archive


def mark_progress(run, pair, scenario, state):
    """Leave a capture's state in the run folder, for the class view to count (controller only).

    The record on the controller has the last word; this is only what the run looks like now.
    """
    if pair["capture"]["local"]:
        progress = os.path.join(run["run_dir"], ".progress")
        os.makedirs(progress, exist_ok=True)
        own_like_folder(progress)
        marker = os.path.join(progress, f"{pair['name']}.{scenario['name']}")
        with open(marker, "w") as f:
            f.write(state + "\n")
        own_like_folder(marker)  # the record, as the user who runs the lab, removes it


def add_error(result, message):
    """Keep the first reason an exchange stopped; later ones are added after it."""
    result["error"] = f"{result['error']}; {message}" if result["error"] else message
