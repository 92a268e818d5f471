#!/usr/bin/python
"""Ansible module: run the clients of the pairs this machine is the client of, at once."""

DOCUMENTATION = r"""
module: client
short_description: Run the clients of this machine's pairs, concurrently
description:
  - Runs on a client machine of pairs on machines. Runs each pair's client program with its
    messages as arguments (never through a shell) against its server, all pairs at once, and
    returns what each printed and its exit status. A client that runs past its time is stopped.
  - The pairs are those of one wave whose client runs on this machine (O(pairs[].client.host)).
options:
  reply_timeout: {type: int, default: 10, description: Seconds the client waits for each reply.}
extends_documentation_fragment: tcplab.lab.records.step
author: tcplab
"""

EXAMPLES = r"""
- name: Run the clients of this machine's pairs, each with its own messages
  tcplab.lab.client:
    pairs: "{{ wave | selectattr('client.host', 'equalto', inventory_hostname) | list }}"
    scenario: "{{ lab_plan.scenarios.reqresp }}"
    run: {remote_dir: "{{ lab_plan.remote_dir }}", lab_id: "{{ lab_plan.lab_id }}", run_id: "{{ lab_plan.run_id }}"}
    reply_timeout: 5
  register: clients
"""

RETURN = r"""
by_capture:
  type: dict
  returned: always
  description: What each client printed and its exit status (client, error), by C(<pair>/<scenario>).
  sample: {p01/reqresp: {client: {ran: true, rc: 0, stdout: "hello\n", stderr: ""}, error: ""}}
"""

import concurrent.futures
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import arguments
from ansible_collections.tcplab.lab.plugins.module_utils.exchange import client_argv, client_deadline


def run_client(params, pair):
    scenario, timeout = params["scenario"], params["reply_timeout"]
    limit = client_deadline(pair, scenario, timeout)
    try:
        done = subprocess.run(client_argv(params["run"], scenario, pair, timeout), capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=limit, check=False)
    except subprocess.TimeoutExpired as expired:
        return {"client": {"ran": True, "rc": None, "stdout": _text(expired.stdout), "stderr": _text(expired.stderr)},
                "error": f"the client did not finish within {limit} s"}
    except OSError as error:
        return {"client": {"ran": False}, "error": f"starting the client: {error}"}
    return {"client": {"ran": True, "rc": done.returncode, "stdout": _text(done.stdout),
                       "stderr": _text(done.stderr)}, "error": ""}


def _text(data):
    return (data or b"").decode("utf-8", "replace")


def main():
    module = AnsibleModule(
        argument_spec=arguments.machine_step(reply_timeout={"type": "int", "default": 10}),
        supports_check_mode=False,
    )
    p = module.params
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(p["pairs"]))) as pool:
        parts = list(pool.map(lambda pair: run_client(p, pair), p["pairs"]))
    scenario = p["scenario"]["name"]
    module.exit_json(changed=bool(p["pairs"]),
                     by_capture={f"{pair['name']}/{scenario}": part for pair, part in zip(p["pairs"], parts)})


if __name__ == "__main__":
    main()
