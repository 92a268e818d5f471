"""One run at a time on a machine: the lock a run takes where it runs pairs' servers or clients.

The lock is a file, LOCK under the lab's spool root on the machine (created with O_EXCL), holding
the run that has it: its lab id, run id, the controller's host name and the pid of the controller's
ansible-playbook. A run that finds another run's lock is refused, naming the machine and that run;
a lock whose controller is the one asking and whose ansible-playbook is gone (a run killed, a
laptop shut) is stale and taken over. The run gives it back at its end; `make clean` removes its
lab's locks. Standard library only: it runs on the machines.
"""

import json
import os

from ansible_collections.tcplab.lab.plugins.module_utils.files import discard

LOCK = "machine.lock"


def lock_path(spool):
    return os.path.join(spool, LOCK)


def read(path):
    """The run holding the lock, or None (no lock; an unreadable one counts as none)."""
    try:
        with open(path, encoding="utf-8") as f:
            held = json.load(f)
    except (OSError, ValueError):
        return None
    return held if isinstance(held, dict) else None


def _same_run(held, owner):
    return all(held.get(key) == owner.get(key) for key in ("lab_id", "run_id", "controller", "pid"))


def stale(held, owner):
    """A lock of a run on the asking controller whose ansible-playbook no longer runs there."""
    return held.get("controller") == owner.get("controller") and held.get("pid") not in owner.get("live", [])


def take(spool, owner):
    """Take the machine's lock for `owner` ({lab_id, run_id, controller, pid, live}); returns None
    when taken (or already this run's), else the run that holds it."""
    path = lock_path(spool)
    os.makedirs(spool, mode=0o755, exist_ok=True)
    text = json.dumps({key: owner[key] for key in ("lab_id", "run_id", "controller", "pid")})
    for _ in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            held = read(path)
            if held is not None and not _same_run(held, owner) and not stale(held, owner):
                return held
            # this run's own, stale, or unreadable (a write cut short): replace it
            discard(path)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return None
    return read(path) or {"lab_id": "?", "run_id": "?", "controller": "?", "pid": 0}


def held_by_another(spool, owner):
    """What `take` would answer, changing nothing (check mode): the other run holding the lock, or
    None."""
    held = read(lock_path(spool))
    if held is None or _same_run(held, owner) or stale(held, owner):
        return None
    return held


def release(spool, lab_id, run_id=None):
    """Give the lock back if it is lab_id's (and run_id's, when given); True when removed."""
    path = lock_path(spool)
    held = read(path)
    if held is None or held.get("lab_id") != lab_id or (run_id is not None and held.get("run_id") != run_id):
        return False
    try:
        os.unlink(path)
    except FileNotFoundError:  # another cleaner of the same machine was first
        return False
    return True
