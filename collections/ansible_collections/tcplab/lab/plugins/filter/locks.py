"""Filter tcplab.lab.lock_owner: who this run is, for the machines' locks (module_utils/lock.py)."""

DOCUMENTATION = r"""
name: lock_owner
short_description: This run as the owner of the machines' locks
description:
  - Given the plan, returns the lab id, the run id, the controller's host name, the pid of this
    ansible-playbook, and the pids of every ansible-playbook running on the controller now (with
    them a machine tells a stale lock of this controller from a live one).
options:
  _input: {description: The plan (lab_plan)., type: dict, required: true}
"""

import os
import socket


def _command(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def _is_playbook(pid):
    return any(os.path.basename(part) == b"ansible-playbook" for part in _command(pid)[:2])


def lock_owner(plan):
    # Templates are rendered in a worker process that ansible-playbook forked.
    pid = os.getppid() if _is_playbook(os.getppid()) else os.getpid()
    live = sorted(int(name) for name in os.listdir("/proc") if name.isdigit() and _is_playbook(int(name)))
    return {"lab_id": plan["lab_id"], "run_id": plan["run_id"], "controller": socket.gethostname(),
            "pid": pid, "live": live}


class FilterModule:
    def filters(self):
        return {"lock_owner": lock_owner}
