"""Students' logins on one machine: the pairs' accounts and everything that makes them safe.

A pair's login on a machine is:

- an account `<prefix><pair>` whose shell is the lab's login program (tcplab-student, installed
  at PROGRAM), its home the pair's folder (mode 700, the pair's own), its password set by
  chpasswd, or `*` (none) when the roster gives the pair's SSH keys;
- its grant, GRANTS/<user>.json (root's, readable by the pair's group): what the login may do
  here - its containers, its capture interface and filter, its programs, its folder;
- its keys, KEYS/<user> (root's): each key line with `restrict,pty`;
- its line in the lab's sudo rule (/etc/sudoers.d/tcplab-<lab>): the login program as root,
  first argument `docker` or `tcpdump`, nothing else;
- the lab's sshd settings (/etc/ssh/sshd_config.d/tcplab-<lab>.conf): for the lab's users the
  keys file above, the login program as ForceCommand, no forwarding of any kind, no ~/.ssh/rc,
  and password logins only for the pairs that have a password.

The lab keeps the accounts it made in LABS/<lab>.json (written before an account is made), and
marks each account's comment field `tcplab <lab> pair <pair>`: removal takes exactly those, and
an account of the same name that is not the lab's is never touched.

The texts (sudo rule, sshd settings, grant) are pure functions (`login_texts`); `Machine` makes and
removes the logins as root with the system's own tools (`root_tools`: useradd, usermod, userdel,
chpasswd), the sudo rule and sshd settings through `sshd_sudo` (visudo, sshd).
"""

import json
import os
import shutil
import signal
import time

from ansible_collections.tcplab.lab.plugins.module_utils.login_texts import (
    ETC, GRANTS, KEYS, LABS, PROGRAM, file_name, grant_of, keys_text, marker)
from ansible_collections.tcplab.lab.plugins.module_utils.root_tools import (
    LoginError, chown_tree, count_captures)
from ansible_collections.tcplab.lab.plugins.module_utils.sshd_sudo import LabAccess


def host_grant(login, host):
    """The part of a login's record (the plan's) for `host`, or None."""
    return next((grant for grant in login["hosts"] if grant["host"] == host), None)


class Machine(LabAccess):
    """The logins of one lab on this machine, made and removed as root."""

    def marked_users(self):
        """The accounts whose comment says this lab made them."""
        prefix = f"tcplab {self.lab_id} pair "
        with open("/etc/passwd", encoding="utf-8", errors="surrogateescape") as passwd:
            return {fields[0] for fields in (line.rstrip("\n").split(":") for line in passwd)
                    if len(fields) == 7 and fields[4].startswith(prefix)}

    # --- the lab's record of its accounts -------------------------------------------------------

    def registry_path(self):
        return os.path.join(LABS, file_name(self.lab_id) + ".json")

    def registry(self):
        try:
            with open(self.registry_path(), encoding="utf-8") as found:
                return json.load(found)
        except (OSError, ValueError):
            return {"lab_id": self.lab_id, "users": {}}

    def save_registry(self, users):
        self.folder(ETC, 0o755)
        self.folder(LABS, 0o700)
        text = json.dumps({"lab_id": self.lab_id, "users": users}, indent=1, sort_keys=True) + "\n"
        return self.write(self.registry_path(), text, 0o600)

    def lab_users(self):
        """{user: folder} of every account this lab made here (its record, and its marks)."""
        users = {user: entry.get("folder", "") for user, entry in self.registry()["users"].items()}
        for user in self.marked_users() - set(users):
            found = self.account(user)
            users[user] = found[0] if found else ""
        return users

    # --- one login ------------------------------------------------------------------------------

    def check_free(self, login):
        """LoginError when the login's name is an account this lab did not make."""
        found = self.account(login["user"])
        if found and found[2] != marker(self.lab_id, login["pair"]):
            raise LoginError(f"the account {login['user']} exists on {self.name} and is not this "
                             f"lab's pair {login['pair']}; give the pair another name or set "
                             "lab_student_prefix")

    def make(self, login, grant, secret, rotate, docker_socket, text):
        """Make (or bring up to date) one pair's login; True if anything changed.

        `secret` is the controller's {"password", "new"} for a login with a password: it is set
        when the account is new, when asked to rotate, when the controller made it new, or when
        the account's password is another."""
        user, folder = login["user"], login["folder"]
        comment = marker(self.lab_id, login["pair"])
        changed = False
        found = self.account(user)
        if found is None:
            self.run(["useradd", "--no-create-home", "--home-dir", folder, "--shell", PROGRAM,
                      "--comment", comment, "--user-group", "--password", "*", user])
            changed = created = True
        else:
            created = False
            if found[:2] != (folder, PROGRAM):
                self.run(["usermod", "--home", folder, "--shell", PROGRAM, user])
                changed = True
        _home, _shell, _comment, uid, gid = self.account(user)
        changed |= self.folder(os.path.dirname(folder), 0o711)
        if os.path.isdir(folder) and os.lstat(folder).st_uid != uid:
            chown_tree(folder, uid, gid)  # a folder kept by make clean is the pair's again
            changed = True
        changed |= self.folder(folder, 0o700, (uid, gid))
        if login["auth"] == "password":
            password = secret.get("password") or ""
            if not password:
                raise LoginError(f"no password for {user}: the controller gave none")
            if created or rotate or secret.get("new") or not self.has_password(user, password):
                self.run(["chpasswd"], stdin=f"{user}:{password}\n")
                changed = True
            changed |= self.remove(os.path.join(KEYS, user))
        else:
            if self.password_hash(user) != "*":
                self.run(["usermod", "--password", "*", user])
                changed = True
            changed |= self.write(os.path.join(KEYS, user), keys_text(login["keys"]), 0o644)
        grant_text = json.dumps(grant_of(self.lab_id, login, grant, docker_socket, text), indent=1,
                                sort_keys=True) + "\n"
        changed |= self.write(os.path.join(GRANTS, user + ".json"), grant_text, 0o640, (0, gid))
        return changed

    def has_password(self, user, password):
        """Whether the account's password is `password`; True when it cannot be told here
        (Python without crypt): the lab then sets it only when the account is new or rotated."""
        try:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import crypt
        except ImportError:
            return True
        stored = self.password_hash(user)
        if stored in ("", "*") or stored.startswith("!"):
            return False
        hashed = crypt.crypt(password, stored)
        return hashed is None or hashed == stored

    def end_processes(self, uid):
        """End every process of the account (its sessions, its tcpdump), by its user id."""
        for _attempt in range(50):
            alive = []
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/status", encoding="utf-8") as status:
                        ids = next(line for line in status if line.startswith("Uid:")).split()[1:]
                except (OSError, StopIteration):
                    continue
                if str(uid) in ids:
                    alive.append(int(entry))
            if not alive:
                return
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)

    def unmake(self, user, folder, keep):
        """Remove one login: its processes, account, grant and keys; its folder unless `keep`
        (then root's). The number of captures the folder held."""
        found = self.account(user)
        folder = folder or (found[0] if found else "")
        if found:
            self.end_processes(found[3])
            try:
                self.run(["userdel", user])
            except LoginError:  # a process that started meanwhile: end it, then once more
                self.end_processes(found[3])
                self.run(["userdel", user])
        self.remove(os.path.join(GRANTS, user + ".json"))
        self.remove(os.path.join(KEYS, user))
        captures = count_captures(folder) if folder and os.path.isdir(folder) else 0
        if folder and os.path.isdir(folder):
            if keep:
                chown_tree(folder, 0, 0)
                os.chmod(folder, 0o700)
            else:
                shutil.rmtree(folder)
        return captures

    def forget(self):
        """Remove the lab's record, and the login program when no lab uses it any more."""
        self.remove(self.registry_path())
        for folder in (LABS, GRANTS, KEYS):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        if not os.path.isdir(LABS):
            self.remove(PROGRAM)
            for folder in (os.path.dirname(PROGRAM), ETC):
                try:
                    os.rmdir(folder)
                except OSError:
                    pass
