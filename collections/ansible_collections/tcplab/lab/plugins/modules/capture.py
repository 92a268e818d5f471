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
  - The pairs are those of one wave whose capture host this is (O(pairs[].capture.host)).
options:
  state: {type: str, choices: [started, stopped], required: true, description: Start or stop.}
  timeout: {type: float, default: 10, description: "Seconds tcpdump may take to listen, and to stop."}
extends_documentation_fragment: [tcplab.lab.records.step, tcplab.lab.capture]
author: tcplab
"""

EXAMPLES = r"""
# wave: the plan's pairs of one wave; run: the plan's lab_id, run_id, run_dir, spool and remote_dir.
- name: Start the captures of this machine's pairs
  tcplab.lab.capture:
    state: started
    pairs: "{{ wave | selectattr('capture.host', 'equalto', inventory_hostname) | list }}"
    scenario: "{{ lab_plan.scenarios.reqresp }}"
    run: "{{ run }}"
  become: true

# ... the servers started, the clients run, the servers finished (modules server, client) ...
- name: Stop them once quiet; their pcaps are packed to fetch when this is not the controller
  tcplab.lab.capture: {state: stopped, pairs: "{{ captured_here }}",
                       scenario: "{{ lab_plan.scenarios.reqresp }}", run: "{{ run }}"}
  become: true
  register: stopped
"""

RETURN = r"""
by_capture:
  description: "Each pair's part of its capture's result (capture, error), by C(<pair>/<scenario>): the record merges the parts."
  type: dict
  returned: always
  sample: {p01/reqresp: {capture: {host: hv1, interface: virbr1, listening: "listening on virbr1 ...", tcpdump: tcpdump version 4.99.3}, error: ""}}
archive:
  description: The pcaps packed for fetching (O(state=stopped), not on the controller), else empty.
  type: str
  returned: always
  sample: /var/tmp/tcplab/tcplab/20261122T050221Z/reqresp.1.captures.tar
"""

import concurrent.futures
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import arguments, tcpdump
from ansible_collections.tcplab.lab.plugins.module_utils.exchange import deliver, utc_now
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


def main():
    module = AnsibleModule(
        argument_spec=arguments.machine_step(
            state={"type": "str", "choices": ["started", "stopped"], "required": True},
            timeout={"type": "float", "default": tcpdump.TIMEOUT}, **arguments.CAPTURE),
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
        archive = deliver(p["run"], pairs, results, f"{scenario}.{pairs[0]['wave']}.captures.tar")
    module.exit_json(changed=bool(pairs), by_capture=results, archive=archive)


if __name__ == "__main__":
    main()
