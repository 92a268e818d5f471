#!/usr/bin/python
"""Ansible module: make a machine ready for a run - no leftovers, the spool, tcpdump, free ports."""

DOCUMENTATION = r"""
module: machine
short_description: Make a machine ready for a lab run
description:
  - Runs once per real machine of the run (the controller, Docker hosts, VMs and lab PCs), as root
    where it captures or serves.
  - Stops what an earlier run of this lab left running here - servers and captures it started,
    found by their pid files in the lab's spool and checked by their command lines, never by a
    pattern - and makes the spool folder.
  - Reports the tcpdump version (empty when tcpdump is missing, so the caller installs it) and
    the Python version.
  - On a machine that serves, checks that the scenarios' ports are free and fails naming the
    process that holds one (as C(ss -p) shows it).
  - Removes the nftables tables of lost segments (module loss) a stopped run of this lab left.
    With C(drops) (this machine receives the lost segment of those scenarios), checks that nft
    is installed and works, and fails naming the machine and the scenario when not.
  - With C(lock), first takes the machine's lock for the run (module_utils/lock.py). A machine
    another run holds is left alone and the module fails, naming the machine and that run; a stale
    lock (its controller's ansible-playbook is gone) is taken over.
  - With C(state=absent) (C(make clean)) it stops the same leftovers, removes the lab's spool
    folder and the lab's lock; nothing else (no port check, no tcpdump version). C(state=released)
    gives the run's lock back (the end of a run).
options:
  state: {type: str, default: present, choices: [present, absent, released], description: "Ready for a run, cleaned, or the run's lock given back."}
  lock:
    type: dict
    description: "The run, to take the machine's lock for (filter C(tcplab.lab.lock_owner)); none: no lock."
    suboptions:
      lab_id: {type: str, description: The lab.}
      run_id: {type: str, description: The run.}
      controller: {type: str, description: "The controller's host name."}
      pid: {type: int, description: "The process id of the run's ansible-playbook."}
      live: {type: list, elements: int, description: "The ansible-playbook processes running on the controller (a lock of another is stale)."}
  name: {type: str, required: true, description: The machine's inventory name (for messages).}
  lab_id: {type: str, required: true, description: The lab.}
  spool: {type: path, required: true, description: The lab's spool folder on this machine.}
  remote_dir: {type: path, required: true, description: Where the lab programs live on this machine.}
  ports: {type: list, elements: int, default: [], description: Ports that must be free (on a server machine).}
  drops: {type: list, elements: str, default: [], description: "The loss scenarios whose segments this machine drops (the plan's machines[].drops)."}
author: tcplab
"""

EXAMPLES = r"""
- name: Take the machine's lock, stop leftovers, make the spool and check the ports
  tcplab.lab.machine:
    name: "{{ inventory_hostname }}"
    lab_id: "{{ lab_plan.lab_id }}"
    spool: "{{ lab_plan.spool }}"
    remote_dir: "{{ lab_plan.remote_dir }}"
    ports: "{{ lab_plan.scenarios.values() | map(attribute='port') | list }}"
    drops: "{{ lab_plan.machines[inventory_hostname].drops }}"
    lock: "{{ lab_plan | tcplab.lab.lock_owner }}"
  become: true
  register: machine

- name: Clean the machine up (make clean)
  tcplab.lab.machine:
    state: absent
    name: "{{ inventory_hostname }}"
    lab_id: tcplab
    spool: /var/tmp/tcplab
    remote_dir: /opt/tcplab
  become: true
"""

RETURN = r"""
tcpdump: {description: tcpdump's version line, or empty when it is not installed., type: str, returned: always}
python: {description: The Python version of this machine., type: str, returned: always}
stopped: {description: "Leftover servers and captures stopped (in check mode: found, that a run would stop).", type: list, returned: always}
"""

import os
import platform
import re
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import arguments, files, lock, loss, supervise, tcpdump


def port_holders(ports):
    """{port: 'users:((...))'} for the ports someone listens on (ss names the process)."""
    result = subprocess.run(["ss", "-H", "-l", "-t", "-n", "-p"], capture_output=True, text=True, check=False)
    holders = {}
    for line in result.stdout.splitlines():
        for port in ports:
            if re.search(rf":{port}\s", line):
                users = re.search(r"users:\(.*\)", line)
                holders[port] = users.group(0) if users else "another process"
    return holders


def leftovers(folder, remote_dir, lab_id, dry_run=False):
    """Stop the servers and captures an earlier run left running under `folder`, and remove its
    lost segments' tables; with `dry_run` (check mode) only name what a run would stop."""
    nft = loss.nft_path()
    tables = loss.leftovers([nft], lab_id, dry_run) if nft else []
    return (supervise.stop_leftovers(folder, remote_dir, dry_run)
            + tcpdump.stop_leftovers(folder, dry_run) + tables)


def clean(spool, lab_id, remote_dir):
    """make clean on one machine: stop the lab's leftovers, remove its spool and give back its lock.
    Another cleaner of the same machine may be doing the same at once (the controller and a lab host
    that is the controller itself). Returns (what was stopped, whether anything changed)."""
    folder = os.path.join(spool, lab_id)
    stopped, existed = [], os.path.isdir(folder)
    if existed:
        stopped = leftovers(folder, remote_dir, lab_id)
        files.remove_tree(folder)
    return stopped, lock.release(spool, lab_id) or existed


def drop_problem(name, drops):
    """Why this machine cannot drop the loss scenarios' segments, in one line, or ''."""
    if not drops:
        return ""
    fix = f"install nftables on {name}, or leave {drops[0]} out of lab_run_scenarios"
    nft = loss.nft_path()
    if nft is None:
        return f"{name} has no nft, which scenario {drops[0]} needs to drop a segment there: {fix}"
    said = loss.unusable([nft])
    if said:
        return (f"nft does not work on {name} ({said}), and scenario {drops[0]} needs it to drop a "
                f"segment there: {fix}")
    return ""


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "lab_id": {"type": "str", "required": True},
            "spool": {"type": "path", "required": True},
            "remote_dir": {"type": "path", "required": True},
            "ports": {"type": "list", "elements": "int", "default": []},
            "drops": {"type": "list", "elements": "str", "default": []},
            "state": {"type": "str", "default": "present", "choices": ["present", "absent", "released"]},
            "lock": arguments.LOCK,
        },
        supports_check_mode=True,
    )
    p = module.params
    folder = os.path.join(p["spool"], p["lab_id"])
    if p["state"] != "present" and module.check_mode:
        module.exit_json(changed=False, stopped=leftovers(folder, p["remote_dir"], p["lab_id"], dry_run=True), tcpdump="",
                         python=platform.python_version())
    if p["state"] == "released":
        # Taking and giving back the lock is the run's bookkeeping, not a change to the machine.
        released = p["lock"] is not None and lock.release(p["spool"], p["lab_id"], p["lock"]["run_id"])
        module.exit_json(changed=False, released=released, stopped=[], tcpdump="",
                         python=platform.python_version())
    if p["state"] == "absent":
        stopped, changed = clean(p["spool"], p["lab_id"], p["remote_dir"])
        module.exit_json(changed=changed, stopped=stopped, tcpdump="", python=platform.python_version())
    if p["lock"] is not None:
        held = lock.held_by_another(p["spool"], p["lock"]) if module.check_mode \
            else lock.take(p["spool"], p["lock"])
        if held is not None:
            module.fail_json(msg=f"{p['name']} is in use by run {held.get('run_id')} of lab {held.get('lab_id')} "
                                 f"(ansible-playbook {held.get('pid')} on {held.get('controller')}): wait until "
                                 "it has ended; if it has, run make clean with its inventory.", held_by=held)
    if module.check_mode:  # --check: name what a run would stop, change nothing
        stopped = leftovers(folder, p["remote_dir"], p["lab_id"], dry_run=True)
    else:
        os.makedirs(folder, mode=0o755, exist_ok=True)
        stopped = leftovers(folder, p["remote_dir"], p["lab_id"])
    problem = drop_problem(p["name"], p["drops"])
    if problem:
        module.fail_json(msg=problem, stopped=stopped)
    holders = port_holders(p["ports"]) if p["ports"] else {}
    if holders:
        port, users = next(iter(holders.items()))
        module.fail_json(msg=f"Port {port} on {p['name']} is in use by {users}: stop it or give the "
                             "scenario another port in lab_scenarios.", holders=holders)
    module.exit_json(changed=bool(stopped), stopped=stopped, tcpdump=tcpdump.version(),
                     python=platform.python_version())


if __name__ == "__main__":
    main()
