#!/usr/bin/python
"""Ansible module: start, or see finished, the servers of the pairs this machine serves."""

DOCUMENTATION = r"""
module: server
short_description: Start the servers of this machine's pairs, or wait for them to finish
description:
  - Runs on a server machine of pairs on machines.
  - C(state=started) - for each pair, checks that the scenario's port is free, starts the server
    program in the background under a supervisor of the lab (so it outlives this call), and waits
    until it listens (read from the kernel's socket table, so no connection is made).
  - C(state=finished) - waits for each server to finish after its client; a server that does not
    is stopped - exactly that process, found by its pid file - and reported.
  - Each pair's failure is reported in its result; the other pairs go on.
  - The pairs are those of one wave whose server runs on this machine (O(pairs[].server.host)).
options:
  state: {type: str, choices: [started, finished], required: true, description: Start or finish.}
  listen_timeout: {type: float, default: 10, description: Seconds the server may take to listen.}
  finish_timeout: {type: float, default: 10, description: Seconds the server may take to finish.}
extends_documentation_fragment: tcplab.lab.records.step
author: tcplab
"""

EXAMPLES = r"""
# wave: the plan's pairs of one wave; run: the plan's lab_id, run_id, run_dir, spool and remote_dir.
- name: Start the servers of this machine's pairs once their captures listen
  tcplab.lab.server:
    state: started
    pairs: "{{ wave | selectattr('server.host', 'equalto', inventory_hostname) | list }}"
    scenario: "{{ lab_plan.scenarios.upcall }}"
    run: "{{ run }}"
  become: true

- name: See them finish after their clients (one that does not is stopped)
  tcplab.lab.server: {state: finished, pairs: "{{ served_here }}",
                      scenario: "{{ lab_plan.scenarios.upcall }}", run: "{{ run }}"}
  become: true
"""

RETURN = r"""
by_capture:
  description: "Each pair's part of its capture's result (server, error), by C(<pair>/<scenario>)."
  returned: always
  type: dict
  sample: {p01/upcall: {server: {finished: true, rc: 0, stdout: "", stderr: ""}}}
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import arguments, supervise
from ansible_collections.tcplab.lab.plugins.module_utils.exchange import last_line, listening, server_argv
from ansible_collections.tcplab.lab.plugins.module_utils.plan import capture_paths


def start(params, pair):
    scenario, port = params["scenario"], params["scenario"]["port"]
    stem = capture_paths(params["run"], pair, scenario["name"])[1]
    host = pair["server"]["host"]
    if listening("/proc/net", port):
        return {"server": {"ran": False},
                "error": f"Port {port} on {host} is already in use (a server left over from an earlier "
                         "run?); stop it and run again."}
    try:
        supervise.spawn(stem, server_argv(params["run"], scenario))
    except (supervise.SuperviseError, OSError) as error:
        return {"server": {"ran": False}, "error": f"starting the server on {host}: {error}"}
    deadline = time.monotonic() + params["listen_timeout"]
    while not listening("/proc/net", port):
        if supervise.exited(stem) is not None:
            return {"server": {"ran": True},
                    "error": f"the server exited before it listened on port {port}: "
                             f"{last_line(supervise.output(stem)[1]) or 'no message'}"}
        if time.monotonic() > deadline:
            return {"server": {"ran": True},
                    "error": f"the server did not listen on port {port} within {params['listen_timeout']:g} s"}
        time.sleep(0.01)
    return {"server": {"ran": True}, "error": ""}


def finish(params, pair):
    stem = capture_paths(params["run"], pair, params["scenario"]["name"])[1]
    if not _pid(stem):
        return {}  # never started; the start said why
    finished, rc = supervise.finish(stem, server_argv(params["run"], params["scenario"]),
                                    params["finish_timeout"])
    stdout, stderr = supervise.output(stem)
    return {"server": {"finished": finished, "rc": rc if finished else None, "stdout": stdout,
                       "stderr": stderr}}


def _pid(stem):
    try:
        with open(stem + ".server.pid") as f:
            return f.read().strip()
    except OSError:
        return ""


def main():
    module = AnsibleModule(
        argument_spec=arguments.machine_step(
            state={"type": "str", "choices": ["started", "finished"], "required": True},
            listen_timeout={"type": "float", "default": 10}, finish_timeout={"type": "float", "default": 10}),
        supports_check_mode=False,
    )
    p = module.params
    step = start if p["state"] == "started" else finish
    results = {}
    for pair in p["pairs"]:
        part = step(p, pair)
        if part:
            results[f"{pair['name']}/{p['scenario']['name']}"] = part
    module.exit_json(changed=bool(p["pairs"]), by_capture=results)


if __name__ == "__main__":
    main()
