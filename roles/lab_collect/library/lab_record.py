#!/usr/bin/python
"""Ansible module: write one capture's transcripts and record, and judge it."""

DOCUMENTATION = r"""
module: lab_record
short_description: Write one capture's transcripts and its record, and judge the capture
description:
  - Runs on the controller after a pair has run one scenario. Writes the server's and the
    client's transcripts and C(<scenario>.json), the capture's record (see DESIGN.md), beside
    the fetched pcap, and decides its status - C(ok) only when every message got its correct
    reply, both programs exited 0, tcpdump lost nothing and the pcap arrived intact.
  - Changes nothing when the files already hold the same content.
options:
  dir: {type: path, required: true, description: The pair's folder in the run.}
  pair: {type: str, required: true, description: The pair.}
  scenario: {type: str, required: true, description: The scenario.}
  spec: {type: dict, required: true, description: The scenario (port, reply_format, programs).}
  messages: {type: list, elements: str, required: true, description: What the client sent.}
  started: {type: str, required: true, description: When the exchange started (UTC, ISO 8601).}
  client: {type: dict, required: true, description: host, address, rc, stdout, stderr of the client.}
  server: {type: dict, required: true, description: host, address, rc, stdout, stderr, finished of the server.}
  capture: {type: dict, required: true, description: host, interface, filter, counts, sha256, tcpdump.}
  error: {type: str, default: "", description: Why the exchange stopped early, if it did.}
author: tcplab
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.lab_files import sha256, write_if_changed

# On a loopback interface the kernel hands libpcap every packet twice (out and in) and counts
# both; libpcap keeps one. Everywhere else "received by filter" must equal "captured".
COPIES_PER_PACKET = {"lo": 2}


def expected_replies(reply_format, messages):
    return [reply_format.replace("{message}", message) for message in messages]


def answered(client_stdout, replies):
    """How many replies, in order, the client printed (each as '<label>: <reply>' on its own)."""
    text = client_stdout + "\n"
    position, count = 0, 0
    for reply in replies:
        found = text.find(": " + reply + "\n", position)
        if found < 0:
            break
        position, count = found + len(reply) + 3, count + 1
    return count


def capture_reasons(capture):
    counts = capture.get("counts")
    if not counts:
        return ["tcpdump gave no counts (the capture did not stop cleanly)"]
    reasons = []
    if counts["dropped_by_kernel"]:
        reasons.append(f"tcpdump: {counts['dropped_by_kernel']} packets dropped by the kernel")
    copies = COPIES_PER_PACKET.get(capture.get("interface", ""), 1)
    if counts["received_by_filter"] > copies * counts["captured"]:
        reasons.append(f"tcpdump captured {counts['captured']} of the "
                       f"{counts['received_by_filter'] // copies} packets its filter received")
    if counts["captured"] == 0:
        reasons.append("tcpdump captured no packets")
    return reasons


def last_line(text):
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def program_reasons(name, result):
    if not result.get("ran", False):
        return []
    if not result.get("finished", True):
        return [f"{name} did not finish in time"]
    if result.get("rc") != 0:
        return [f"{name} exited {result.get('rc')}: {last_line(result.get('stderr')) or 'no message'}"]
    return []


def judge(params, pcap_path):
    """Return (record, reasons) for one capture."""
    replies = expected_replies(params["spec"]["reply_format"], params["messages"])
    client, server, capture = params["client"], params["server"], params["capture"]
    reasons = [params["error"]] if params["error"] else []
    reasons += program_reasons("client", client) + program_reasons("server", server)
    if not client.get("ran", False) and not params["error"]:
        reasons.append("the client did not run")
    count = answered(client.get("stdout") or "", replies)
    if client.get("ran", False) and count < len(replies):
        reasons.append(f"{count} of {len(replies)} messages got their correct reply")
    # An exchange that stopped early explains an empty capture; drops are still worth naming.
    reasons += [r for r in capture_reasons(capture) if not (params["error"] and "no packets" in r)]
    local_sha = sha256(pcap_path) if os.path.exists(pcap_path) else None
    if local_sha is None:
        reasons.append("the pcap did not reach the controller")
    elif capture.get("sha256") and capture["sha256"] != local_sha:
        reasons.append("the pcap's sha256 on the controller differs from the capture host's")
    reasons = list(dict.fromkeys(reasons))
    record = {
        "pair": params["pair"],
        "scenario": params["scenario"],
        "status": "failed" if reasons else "ok",
        "reasons": reasons,
        "started": params["started"],
        "server": {"host": server.get("host"), "address": server.get("address"),
                   "port": params["spec"]["port"], "rc": server.get("rc")},
        "client": {"host": client.get("host"), "address": client.get("address"),
                   "rc": client.get("rc")},
        "capture": {key: capture.get(key) for key in
                    ("host", "interface", "filter", "counts", "tcpdump", "listening")},
        "messages": params["messages"],
        "expected_replies": replies,
        "answered": count,
        "files": {},
    }
    record["capture"]["sha256"] = local_sha
    return record


def transcript(result):
    text = result.get("stdout") or ""
    if result.get("stderr"):
        text += ("\n" if text else "") + result["stderr"]
    return text + "\n" if text else ""


def main():
    module = AnsibleModule(
        argument_spec={
            "dir": {"type": "path", "required": True},
            "pair": {"type": "str", "required": True},
            "scenario": {"type": "str", "required": True},
            "spec": {"type": "dict", "required": True},
            "messages": {"type": "list", "elements": "str", "required": True},
            "started": {"type": "str", "required": True},
            "client": {"type": "dict", "required": True},
            "server": {"type": "dict", "required": True},
            "capture": {"type": "dict", "required": True},
            "error": {"type": "str", "default": ""},
        },
        supports_check_mode=False,
    )
    params = module.params
    folder, scenario = params["dir"], params["scenario"]
    os.makedirs(folder, exist_ok=True)
    record = judge(params, os.path.join(folder, scenario + ".pcap"))
    changed = False
    for role in ("server", "client"):
        name = f"{scenario}.{role}.log"
        changed |= write_if_changed(os.path.join(folder, name), transcript(params[role]))
        record["files"][f"{role}_log"] = f"{params['pair']}/{name}"
    if record["capture"]["sha256"]:
        record["files"]["pcap"] = f"{params['pair']}/{scenario}.pcap"
    changed |= write_if_changed(os.path.join(folder, scenario + ".json"),
                                json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    module.exit_json(changed=changed, record=record)


if __name__ == "__main__":
    main()
