#!/usr/bin/python
"""Ansible module: put a scenario's lost segment in place on a receiving machine, or take it away."""

DOCUMENTATION = r"""
module: loss
short_description: Drop a loss scenario's chosen data segments on the machine that receives them
description:
  - Runs on the receiving machine of pairs on machines for a scenario with C(loss) - the server
    machine for C(to_server), the client machine for C(to_client) - with root.
  - C(state=present) - for each pair, puts the nftables table C(tcplab_loss.<lab id>.<pair index>)
    in the machine's own network namespace, at the prerouting hook (after the wire, so a capture
    on the bridge, the server's interface or the loopback still has the original segment); its
    rules name the pair's two addresses and the scenario's port, so other pairs on the machine pass.
  - C(state=absent) - reads how many segments each pair's table dropped, then removes it, so the next
    scenario's capture has no drop.
  - Each pair's failure is reported in its result; the other pairs go on.
options:
  state: {type: str, choices: [present, absent], required: true, description: Put in place or take away.}
extends_documentation_fragment: tcplab.lab.records.step
author: tcplab
"""

EXAMPLES = r"""
# wave: the plan's pairs of one wave; run: the plan's lab_id, run_id, run_dir, spool and remote_dir.
- name: Drop the client's 2nd data segment once, on the server machines of this wave
  tcplab.lab.loss:
    state: present
    pairs: "{{ wave | selectattr('server.host', 'equalto', inventory_hostname) | list }}"
    scenario: "{{ lab_plan.scenarios['reqresp-loss'] }}"
    run: "{{ run }}"
  become: true

- name: Count the drops and take the tables away
  tcplab.lab.loss: {state: absent, pairs: "{{ received_here }}",
                    scenario: "{{ lab_plan.scenarios['reqresp-loss'] }}", run: "{{ run }}"}
  become: true
"""

RETURN = r"""
by_capture:
  description: "Each pair's part of its capture's result (loss, error), by C(<pair>/<scenario>)."
  returned: always
  type: dict
  sample: {p01/reqresp-loss: {loss: {direction: to_server, segments: [2], receiver: vm02,
                                     table: tcplab_loss.tcplab.1, dropped: 1}, error: ""}}
"""

import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import arguments, loss

FAILURES = (loss.LossError, OSError, subprocess.SubprocessError)


def present(prefix, scenario, pair, receiver, table):
    spec = scenario["loss"]
    part = {"loss": {"direction": spec["direction"], "segments": list(spec["segments"]),
                     "receiver": pair[receiver]["host"], "table": table, "dropped": None}, "error": ""}
    if prefix is None:
        part["error"] = (f"{pair[receiver]['host']} has no nft, and scenario {scenario['name']} drops a "
                         "segment with it: install nftables there")
        return part
    try:
        loss.install(prefix, scenario["port"], spec, table,
                     (pair["server"]["address"], pair["client"]["address"]))
    except FAILURES as error:
        part["error"] = f"putting nft table {table} on {pair[receiver]['host']}: {error}"
    return part


def absent(prefix, pair, receiver, table):
    if prefix is None or not loss.present(prefix, table):
        return {}  # never put in place; its start said why
    part, errors = {"loss": {}, "error": ""}, []
    try:
        part["loss"]["dropped"] = loss.dropped(prefix, table)
    except FAILURES as error:
        errors.append(f"reading nft table {table} on {pair[receiver]['host']}: {error}")
    try:
        loss.delete(prefix, table)
    except FAILURES as error:
        errors.append(f"removing nft table {table} from {pair[receiver]['host']}: {error}")
    part["error"] = "; ".join(errors)
    return part


def main():
    module = AnsibleModule(
        argument_spec=arguments.machine_step(
            state={"type": "str", "choices": ["present", "absent"], "required": True}),
        supports_check_mode=False,
    )
    p = module.params
    scenario = p["scenario"]
    if not scenario.get("loss"):
        module.exit_json(changed=False, by_capture={})
    receiver = "server" if scenario["loss"]["direction"] == "to_server" else "client"
    nft = loss.nft_path()
    prefix = [nft] if nft else None  # in this machine's own namespace
    results = {}
    for pair in p["pairs"]:
        table = loss.table_name(p["run"]["lab_id"], pair["index"])
        part = (present(prefix, scenario, pair, receiver, table) if p["state"] == "present"
                else absent(prefix, pair, receiver, table))
        if part:
            results[f"{pair['name']}/{scenario['name']}"] = part
    module.exit_json(changed=bool(results), by_capture=results)


if __name__ == "__main__":
    main()
