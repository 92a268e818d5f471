#!/usr/bin/python
"""Ansible module: the pairs' logins on one machine, made or removed in one call."""

DOCUMENTATION = r"""
module: accounts
short_description: Make (or remove) every pair's login on this machine, in one call
description:
  - Runs as root on a machine where pairs have logins (a Docker host, a machine a pair's programs
    or capture run on); see C(module_utils/accounts.py) for what a login is.
  - "C(state=present): installs the login program, then makes each login the plan gives this
    machine (account, folder of mode 700, password or keys, grant) and the lab's sudo rule
    (checked by visudo) and sshd settings (checked by C(sshd -t), and by C(sshd -T), which must
    show them for the lab's users and for nobody else), and makes the running sshd read them
    (SIGHUP). A password is set when the account is new, when C(rotate) is asked, when the
    controller made it new, or when the account holds another; otherwise it is kept."
  - A login of this lab that the plan no longer gives this machine is removed; its folder is kept
    (root's) when it holds files.
  - A pair whose login cannot be made (its account name is taken by another account) is reported
    with its cause and the other pairs go on; the module fails only when no login could be made.
  - "C(state=absent): removes every login this lab made here (its record, and the accounts
    marked as its). Their processes are ended; the accounts, grants, keys, the sudo rule and the
    sshd settings removed; the folders too (a warning counts the captures still in them), or kept
    as root's with C(keep_folders)."
options:
  state: {type: str, choices: [present, absent], default: present, description: Make the logins or remove them.}
  lab_id: {type: str, required: true, description: The lab whose logins these are.}
  host: {type: str, default: "", description: "This machine's inventory name: the plan's logins for it are made."}
  passwords:
    type: str
    default: ""
    no_log: true
    description: "The run's logins.csv (columns login and password), as the controller wrote it; never logged."
  fresh: {type: list, elements: str, default: [], description: "The logins whose password the controller made new this run."}
  rotate: {type: bool, default: false, description: Set every login's password again.}
  program: {type: str, default: "", description: The login program (tcplab-student) to install.}
  text: {type: dict, default: {}, description: "The login program's sentences in the class's language (login.* of tcplab/lang)."}
  docker_socket: {type: path, default: /var/run/docker.sock, description: The engine's socket on this machine.}
  keep_folders: {type: bool, default: false, description: "With state=absent, keep the pairs' folders (root's)."}
extends_documentation_fragment:
  - tcplab.lab.records.logins
attributes:
  check_mode: {support: none}
author: tcplab
"""

EXAMPLES = r"""
- name: Make the logins of this machine's pairs
  tcplab.lab.accounts:
    lab_id: "{{ lab_plan.lab_id }}"
    host: "{{ inventory_hostname }}"
    logins: "{{ lab_plan.pairs | map(attribute='login') | select | list }}"
    passwords: "{{ lookup('ansible.builtin.file', __lab_students_logins.file) }}"
    fresh: "{{ __lab_students_logins.new }}"
    program: "{{ lookup('ansible.builtin.file', 'tcplab-student', rstrip=false) }}"

- name: Remove the lab's logins
  tcplab.lab.accounts:
    state: absent
    lab_id: tcplab
"""

RETURN = r"""
logins: {description: "Per pair: user, changed, error (empty when it is made).", type: dict, returned: state=present, sample: {p01: {user: tcplab-p01, changed: true, error: ""}}}
removed: {description: "The logins removed, with the captures their folders held.", type: dict, returned: always, sample: {tcplab-p01: 2}}
"""

import csv
import io
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils import arguments
from ansible_collections.tcplab.lab.plugins.module_utils.accounts import (
    ETC, GRANTS, KEYS, PROGRAM, LoginError, Machine, host_grant)


def remove_stale(machine, wanted):
    """Remove this lab's logins that are not wanted here any more; {user: captures}."""
    removed = {}
    for user, folder in sorted(machine.lab_users().items()):
        if user not in wanted:
            keep = bool(folder) and os.path.isdir(folder) and any(os.scandir(folder))
            removed[user] = machine.unmake(user, folder, keep)
    return removed


def read_passwords(module, text):
    """{login: password} of the controller's logins.csv; every password joins no_log's values."""
    passwords = {row["login"]: row["password"] for row in csv.DictReader(io.StringIO(text))
                 if row.get("login") and row.get("password")}
    module.no_log_values.update(passwords.values())
    return passwords


def present(module, machine):
    p = module.params
    passwords = read_passwords(module, p["passwords"])
    missing = machine.missing_tools()
    if missing:
        module.fail_json(msg=f"The logins need {', '.join(missing)} on {p['host']}: install them "
                             "(packages sudo, passwd and openssh-server).")
    logins = [(login, host_grant(login, p["host"])) for login in p["logins"]]
    logins = [(login, grant) for login, grant in logins if grant]
    changed = machine.folder(os.path.dirname(PROGRAM), 0o755)
    changed |= machine.write(PROGRAM, p["program"], 0o755)
    removed = remove_stale(machine, {login["user"] for login, _ in logins})
    results, usable = {}, []
    for login, grant in logins:
        try:
            machine.check_free(login)
            usable.append((login, grant))
        except LoginError as error:
            results[login["pair"]] = {"user": login["user"], "changed": False, "error": str(error)}
    changed |= machine.save_registry({login["user"]: {"pair": login["pair"],
                                                      "folder": login["folder"]}
                                      for login, _ in usable})
    for folder in (GRANTS, KEYS):
        changed |= machine.folder(folder, 0o755)
    for login, grant in usable:
        try:
            secret = {"password": passwords.get(login["user"], ""),
                      "new": login["user"] in p["fresh"]}
            made = machine.make(login, grant, secret, p["rotate"], p["docker_socket"], p["text"])
            results[login["pair"]] = {"user": login["user"], "changed": made, "error": ""}
        except (LoginError, OSError) as error:
            results[login["pair"]] = {"user": login["user"], "changed": False,
                                      "error": f"{login['user']}: {error}"}
    made = [login for login, _ in usable if not results[login["pair"]]["error"]]
    changed |= any(result["changed"] for result in results.values()) or bool(removed)
    try:
        changed |= machine.sudoers(sorted(login["user"] for login in made))
        settings = machine.sshd(sorted(login["user"] for login in made if login["auth"] == "key"),
                                sorted(login["user"] for login in made if login["auth"] != "key"))
    except LoginError as error:
        module.fail_json(msg=str(error), logins=results, removed=removed)
    if settings or removed:
        changed = True
        warning = machine.reload_sshd()
        if warning:
            module.warn(warning)
    for user, captures in removed.items():
        kept = f"; its folder, with {captures} capture(s), is kept (root's)" if captures else ""
        module.warn(f"the login {user} is no longer in the class on {p['host']}: removed{kept}")
    failed = {pair: result["error"] for pair, result in results.items() if result["error"]}
    for pair, error in failed.items():
        module.warn(f"pair {pair} has no login on {p['host']}: {error}")
    if failed and len(failed) == len(results):
        module.fail_json(msg=f"No login could be made on {p['host']}; the first: "
                             f"{next(iter(failed.values()))}", logins=results, removed=removed)
    module.exit_json(changed=changed, logins=results, removed=removed)


def absent(module, machine):
    p = module.params
    users = machine.lab_users()
    removed, failed = {}, {}
    for user, folder in sorted(users.items()):
        try:
            removed[user] = machine.unmake(user, folder, p["keep_folders"])
        except (LoginError, OSError) as error:
            failed[user] = str(error)
    if failed:  # what could go is gone; the lab's record keeps the rest for the next make clean
        module.fail_json(msg=f"{len(failed)} login(s) could not be removed; the first: "
                             f"{next(iter(failed.values()))}", removed=removed)
    changed = bool(removed) | machine.sudoers([])
    if machine.sshd([], []):
        changed = True
        warning = machine.reload_sshd()
        if warning:
            module.warn(warning)
    for folder in {os.path.dirname(path) for path in users.values() if path}:
        if not p["keep_folders"] and os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)
    machine.forget()
    held = {user: count for user, count in removed.items() if count}
    where = p["host"] or "this machine"
    if held and not p["keep_folders"]:
        counts = ", ".join(f"{user} {count}" for user, count in held.items())
        module.warn(f"removed {sum(held.values())} capture(s) still in the pairs' folders on "
                    f"{where} ({counts}); set lab_student_keep_folders: true to keep the folders")
    elif removed and p["keep_folders"]:
        module.warn(f"kept the folders of {len(removed)} login(s) on {where} (root's now): "
                    + ", ".join(sorted({path for path in users.values() if path})))
    module.exit_json(changed=changed, removed=removed)


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "lab_id": {"type": "str", "required": True},
            "host": {"type": "str", "default": ""},
            "logins": dict(arguments.LOGIN, type="list", elements="dict", default=[]),
            "passwords": {"type": "str", "default": "", "no_log": True},
            "fresh": {"type": "list", "elements": "str", "default": []},
            "rotate": {"type": "bool", "default": False},
            "program": {"type": "str", "default": ""},
            "text": {"type": "dict", "default": {}},
            "docker_socket": {"type": "path", "default": "/var/run/docker.sock"},
            "keep_folders": {"type": "bool", "default": False},
        },
        required_if=[("state", "present", ("program",))],
        supports_check_mode=False,
    )
    machine = Machine(module.params["lab_id"], module.params["host"] or "this machine")
    if os.geteuid() != 0:
        if module.params["state"] == "absent" and not os.path.exists(ETC) \
                and not machine.marked_users():
            module.exit_json(changed=False, removed={})  # this lab made no login here
        module.fail_json(msg="The logins are made and removed as root: set lab_become: true for "
                             f"{module.params['host'] or 'this machine'}.")
    try:
        if module.params["state"] == "present":
            present(module, machine)
        else:
            absent(module, machine)
    except (LoginError, OSError) as error:
        module.fail_json(msg=str(error))


if __name__ == "__main__":
    main()
