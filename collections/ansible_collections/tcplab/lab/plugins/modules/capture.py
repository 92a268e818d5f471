#!/usr/bin/python
"""Ansible module: start or stop the captures of every pair this machine captures."""

DOCUMENTATION = r"""
module: capture
short_description: Start or stop, at once, the captures of every pair this machine captures
description:
  - Runs on a capture host of pairs on machines (a hypervisor that owns the machines' bridge, a
    server machine, a machine whose pair talks over loopback), as root.
  - C(state=started) - for each pair, concurrently, finds the interface (the plan's, else the one
    this host routes the pair's other end through - the seeds' C(ip a) step) and starts tcpdump,
    returning once it listens.
  - C(state=stopped) - stops each pair's capture once it is quiet and returns tcpdump's counts and
    the pcap's sha256; when this host is not the controller the pcaps are packed into one archive
    to fetch.
  - Each pair's failure is reported in its result; the other pairs go on.
options:
  state: {type: str, choices: [started, stopped], required: true, description: Start or stop.}
  pairs: {type: list, elements: dict, required: true, description: "The plan's records of the pairs captured here."}
  scenario: {type: dict, required: true, description: "The scenario (name, port)."}
  run: {type: dict, required: true, description: "The plan's lab_id, run_id, run_dir and spool."}
  timeout: {type: float, default: 10, description: Seconds tcpdump may take to listen, and to stop.}
  settle: {type: float, default: 0.5, description: Seconds without a new packet before a capture is stopped.}
  buffer_kib: {type: int, default: 8192, description: Kernel capture buffer per capture in KiB (tcpdump -B).}
  snaplen: {type: int, default: 65600, description: Longest frame a capture keeps (tcpdump -s).}
author: tcplab
"""

RETURN = r"""
by_capture: {description: "{<pair>/<scenario>: {capture: ..., error: ...}} (a part of each pair's result).", type: dict, returned: always}
archive: {description: The pcaps packed for fetching (state=stopped, not on the controller), else empty., type: str, returned: always}
"""

import concurrent.futures
import os
import tarfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import tcpdump
from ansible_collections.tcplab.lab.plugins.module_utils.exchange import utc_now
from ansible_collections.tcplab.lab.plugins.module_utils.files import prune
from ansible_collections.tcplab.lab.plugins.module_utils.plan import capture_filter, capture_paths


def start(params, pair, version):
    scenario = params["scenario"]
    pcap, stem = capture_paths(params["run"], pair, scenario["name"])
    part = {"started": utc_now(), "capture": {"host": pair["capture"]["host"], "tcpdump": version}, "error": ""}
    try:
        interface = pair["capture"]["interface"] or tcpdump.route_interface(pair["capture"]["peer"])
        part["capture"]["interface"] = interface
        bpf = capture_filter(pair, scenario["port"])
        part["capture"]["filter"] = bpf
        started = tcpdump.start(pcap, stem, interface, bpf, params["timeout"], params["buffer_kib"],
                                params["snaplen"])
        part["capture"]["listening"] = started["listening"]
    except (tcpdump.CaptureError, OSError) as error:
        part["error"] = f"starting tcpdump on {pair['capture']['host']}: {error}"
    return part


def stop(params, pair):
    pcap, stem = capture_paths(params["run"], pair, params["scenario"]["name"])
    if not os.path.exists(stem + ".tcpdump.pid"):
        return {}  # it never started; the start said why
    try:
        return {"capture": tcpdump.stop(pcap, stem, params["settle"], params["timeout"]), "error": ""}
    except (tcpdump.CaptureError, OSError) as error:
        return {"error": f"stopping tcpdump: {error}"}


def pack(params, results):
    run, scenario = params["run"], params["scenario"]["name"]
    folder = os.path.join(run["spool"], run["lab_id"], run["run_id"])
    archive = os.path.join(folder, f"{scenario}.{params['pairs'][0]['wave']}.captures.tar")
    os.makedirs(folder, exist_ok=True)
    with tarfile.open(archive + ".tmp", "w") as tar:
        for pair in params["pairs"]:
            pcap = capture_paths(run, pair, scenario)[0]
            if (results.get(f"{pair['name']}/{scenario}") or {}).get("capture", {}).get("sha256") \
                    and os.path.exists(pcap):
                tar.add(pcap, arcname=f"{pair['name']}/{scenario}.pcap")
    os.replace(archive + ".tmp", archive)
    return archive


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "choices": ["started", "stopped"], "required": True},
            "pairs": {"type": "list", "elements": "dict", "required": True},
            "scenario": {"type": "dict", "required": True},
            "run": {"type": "dict", "required": True},
            "timeout": {"type": "float", "default": 10},
            "settle": {"type": "float", "default": 0.5},
            "buffer_kib": {"type": "int", "default": 8192},
            "snaplen": {"type": "int", "default": 65600},
        },
        supports_check_mode=False,
    )
    p = module.params
    pairs = p["pairs"]
    version = tcpdump.version()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(pairs))) as pool:
        if p["state"] == "started":
            parts = list(pool.map(lambda pair: start(p, pair, version), pairs))
        else:
            parts = list(pool.map(lambda pair: stop(p, pair), pairs))
    scenario = p["scenario"]["name"]
    results = {f"{pair['name']}/{scenario}": part for pair, part in zip(pairs, parts) if part}
    archive = ""
    if p["state"] == "stopped" and pairs:
        if all(pair["capture"]["local"] for pair in pairs):
            prune(os.path.join(p["run"]["spool"], p["run"]["lab_id"], p["run"]["run_id"]))
        else:
            archive = pack(p, results)
    module.exit_json(changed=bool(pairs), by_capture=results, archive=archive)


if __name__ == "__main__":
    main()
