"""Action plugin tcplab.lab.logins: the pairs' login secrets, for the teacher alone.

Runs on the controller, once per run with students' logins (lab_student_access). Every pair
without SSH keys in the roster gets a password: the one the lab's latest logins.csv of this lab
gives it (a re-provision keeps passwords), or a new one (the first time, or with rotate). The
passwords are written to `<run>/logins.csv` (mode 600, in the run folder of mode 700), one row
per pair and machine with the ssh and scp commands, and - only when the teacher asks - into the
pairs' hand-outs (then mode 600 too). Nothing else holds them: the result names the file and the
logins whose password is new, never a password (the machines' accounts step reads the file, into
an option of its module that is never logged).

Also returns the login program's sentences (login.* of tcplab/lang) in the plan's language.
"""

import csv
import io
import os
import secrets
from pathlib import Path

from ansible.errors import AnsibleError
from ansible_collections.tcplab.lab.plugins.module_utils.login_texts import copy_command
from ansible_collections.tcplab.lab.plugins.plugin_utils.controller import ControllerAction

try:
    from tcplab.formats.plan import plan_language
    from tcplab.handout import write_handout
    from tcplab.i18n import language as language_of
except ImportError:  # the lab's Python package is missing from the Python Ansible runs on
    write_handout = None

FILE = "logins.csv"
COLUMNS = ["lab", "pair", "host", "login", "password", "ssh", "scp"]
# Easy to read out and type: no 0/o, 1/l; 12 characters, about 60 bits.
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_password():
    """A new password: three groups of four, e.g. h7kq-2mzx-9fpd."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def previous_passwords(captures_dir, lab_id):
    """{login: password} from this lab's latest logins.csv in the captures folder."""
    found = []
    for entry in Path(captures_dir).glob(f"*/{FILE}"):
        try:
            found.append((entry.stat().st_mtime, entry))
        except OSError:
            continue
    for _when, path in sorted(found, reverse=True):
        try:
            with path.open(encoding="utf-8", newline="") as table:
                rows = [row for row in csv.DictReader(table) if row.get("lab") == lab_id]
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        if rows:
            return {row["login"]: row["password"] for row in rows if row.get("password")}
    return {}


def ssh_command(login, grant):
    port = [] if grant["port"] == 22 else ["-p", str(grant["port"])]
    return " ".join(["ssh", *port, f"{login['user']}@{grant['address']}"])


def write_private(path, text):
    """Write `text` to `path`, readable by its owner alone (mode 600) from the first byte."""
    temporary = path.with_name("." + path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


class ActionModule(ControllerAction):
    ARGUMENTS = {
        "plan": {"type": "dict", "required": True},
        "rotate": {"type": "bool", "default": False},
        "handout": {"type": "bool", "default": False},
    }

    def work(self, args):
        plan = args["plan"]
        logins = [pair["login"] for pair in plan["pairs"] if pair.get("login")]
        kept = {} if args["rotate"] else previous_passwords(plan["captures_dir"], plan["lab_id"])
        passwords = {}
        for login in logins:
            if login["auth"] == "password":
                old = kept.get(login["user"])
                passwords[login["user"]] = {"password": old or new_password(), "new": not old}
        run_dir = Path(plan["run_dir"])
        table = io.StringIO()
        writer = csv.DictWriter(table, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for login in logins:
            for grant in login["hosts"]:
                writer.writerow({"lab": plan["lab_id"], "pair": login["pair"],
                                 "host": grant["host"], "login": login["user"],
                                 "password": passwords.get(login["user"], {}).get("password", ""),
                                 "ssh": ssh_command(login, grant),
                                 "scp": copy_command(login, grant)})
        path = run_dir / FILE
        if not self._task.check_mode:
            write_private(path, table.getvalue())
        if write_handout is None:
            raise AnsibleError("The tcplab package is not installed in the Python Ansible runs on: "
                               "run make setup (it installs it into the lab's virtualenv).")
        language = language_of(plan_language(plan))
        if args["handout"] and not self._task.check_mode:
            shown = {login["pair"]: passwords[login["user"]]["password"] for login in logins
                     if login["user"] in passwords}
            folder = run_dir / "handout"
            for written in write_handout(plan, folder, language, shown):
                os.chmod(written, 0o600)
        text = {key: value for key, value in language.strings.items() if key.startswith("login.")}
        return {"changed": True, "file": str(path), "text": text,
                "new": sorted(user for user, secret in passwords.items() if secret["new"]),
                "kept": sorted(user for user, secret in passwords.items() if not secret["new"])}
