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

The texts (sudo rule, sshd settings, grant) are pure functions, unit-tested; `Machine` does the
rest as root with the system's own tools (useradd, usermod, userdel, chpasswd, visudo, sshd).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time

PROGRAM = "/usr/local/lib/tcplab/tcplab-student"
ETC = "/etc/tcplab"
GRANTS = ETC + "/students"
KEYS = ETC + "/keys"
LABS = ETC + "/labs"
SUDOERS_DIR = "/etc/sudoers.d"
SSHD_DIR = "/etc/ssh/sshd_config.d"
SSHD = "/usr/sbin/sshd"
TOOLS = ("useradd", "usermod", "userdel", "chpasswd", "visudo", "sudo")
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
CAPTURES = (".pcap", ".pcapng")


def marker(lab_id, pair):
    """The comment field of a pair's account: which lab made it, for which pair."""
    return f"tcplab {lab_id} pair {pair}"


def file_name(lab_id):
    """The lab's file in /etc/sudoers.d and sshd_config.d: sudo skips names with a dot."""
    return "tcplab-" + re.sub(r"[^A-Za-z0-9_-]", "_", lab_id)


def sudoers_text(lab_id, users):
    """The lab's sudo rule: each login may run the login program as root for docker or tcpdump."""
    lines = [f"# tcplab lab {lab_id}: each pair's login may run the lab's login program as root,",
             "# for `docker exec` in its own containers and tcpdump on its own interface (the",
             "# program checks both against the login's grant). Made by tcplab; make clean",
             "# removes it."]
    for user in users:
        lines.append(f"{user} ALL=(root) NOPASSWD: {PROGRAM} docker *, {PROGRAM} tcpdump *")
    return "\n".join(lines) + "\n"


def max_startups(logins):
    """sshd's MaxStartups for a class that logs in at once: three terminals per pair."""
    start = max(10, 3 * logins)
    return f"{start}:30:{max(100, 2 * start)}"


def sshd_text(lab_id, key_users, password_users):
    """The lab's sshd settings: the login program and nothing else, for the lab's users only.

    One global setting comes first: a whole class logging in at once (three terminals a pair)
    must not meet sshd's default of 10 unauthenticated connections at a time (MaxStartups).
    """
    lines = [f"# tcplab lab {lab_id}: the pairs' logins run only the lab's login program, with no",
             "# forwarding of any kind. Made by tcplab; make clean removes it.",
             "# The whole class may log in at once, three terminals a pair:",
             f"MaxStartups {max_startups(len(key_users) + len(password_users))}"]
    for users, passwords in ((key_users, "no"), (password_users, "yes")):
        if not users:
            continue
        lines += [f"Match User {','.join(users)}",
                  f"    AuthorizedKeysFile {KEYS}/%u",
                  f"    ForceCommand {PROGRAM}",
                  "    DisableForwarding yes",
                  "    PermitTunnel no",
                  "    PermitUserRC no",
                  "    PermitTTY yes",
                  f"    PasswordAuthentication {passwords}"]
    return "\n".join(lines) + "\n"


def keys_text(keys):
    """The login's authorized keys: no forwarding, no ~/.ssh/rc, a terminal (`restrict,pty`)."""
    return "".join(f"restrict,pty {key}\n" for key in keys)


def copy_command(login, grant):
    """What a student types on their own computer to copy a file out of the folder."""
    port = [] if grant["port"] == 22 else ["-P", str(grant["port"])]
    return " ".join(["scp", *port, f"{login['user']}@{grant['address']}:FILE", "."])


def grant_of(lab_id, login, grant, docker_socket, text):
    """The grant file of a login on this machine: what the login program allows it."""
    return {"lab_id": lab_id, "pair": login["pair"], "user": login["user"],
            "folder": login["folder"], "containers": grant["containers"],
            "capture": grant["capture"], "programs": grant["programs"],
            "docker_socket": docker_socket, "copy": copy_command(login, grant),
            "example": f"{login['pair']}-tcp.pcap", "text": text}


def host_grant(login, host):
    """The part of a login's record (the plan's) for `host`, or None."""
    return next((grant for grant in login["hosts"] if grant["host"] == host), None)


def count_captures(folder):
    """How many captures (.pcap, .pcapng) a folder holds, at any depth."""
    count = 0
    for _root, _dirs, files in os.walk(folder):
        count += sum(1 for name in files if name.endswith(CAPTURES))
    return count


def chown_tree(folder, uid, gid):
    """Give a folder and everything in it to uid:gid (links themselves, never what they name)."""
    for root, dirs, files in os.walk(folder):
        for path in [root, *(os.path.join(root, name) for name in dirs + files)]:
            os.lchown(path, uid, gid)


class LoginError(Exception):
    """One pair's login cannot be made here; the message is its one line."""


class Machine:
    """The logins of one lab on this machine, made and removed as root."""

    def __init__(self, lab_id, name):
        self.lab_id, self.name = lab_id, name
        self.environment = {"PATH": PATH, "LANG": "C.UTF-8"}

    # --- plumbing -------------------------------------------------------------------------------

    def run(self, argv, stdin=None):
        """Run a system tool; LoginError with its own message when it fails."""
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                              env=self.environment, check=False)
        if done.returncode != 0:
            said = " ".join((done.stderr or done.stdout).split())
            said = said or f"exit status {done.returncode}"
            raise LoginError(f"{argv[0]} on {self.name}: {said}")
        return done.stdout

    def missing_tools(self):
        found = [tool for tool in TOOLS if not shutil.which(tool, path=PATH)]
        return found + ([] if os.access(SSHD, os.X_OK) else ["sshd"])

    @staticmethod
    def write(path, text, mode, owner=(0, 0)):
        """Write `text` to `path` with `mode` and `owner`, atomically; True if anything changed."""
        data = text.encode("utf-8")
        try:
            info = os.stat(path)
            with open(path, "rb") as found:
                if (found.read(), info.st_mode & 0o7777, (info.st_uid, info.st_gid)) == (
                        data, mode, owner):
                    return False
        except FileNotFoundError:
            pass
        folder = os.path.dirname(path)
        temporary = os.path.join(folder, "." + os.path.basename(path) + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.chown(temporary, *owner)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        return True

    @staticmethod
    def remove(path):
        try:
            os.unlink(path)
            return True
        except FileNotFoundError:
            return False

    @staticmethod
    def folder(path, mode, owner=(0, 0)):
        """Make a folder with `mode` and `owner` (or fix them); True if anything changed."""
        changed = False
        if not os.path.isdir(path):
            os.makedirs(path, mode=0o755, exist_ok=True)
            changed = True
        info = os.lstat(path)
        if (info.st_uid, info.st_gid) != owner:
            os.chown(path, *owner)
            changed = True
        if info.st_mode & 0o7777 != mode:
            os.chmod(path, mode)
            changed = True
        return changed

    @staticmethod
    def account(user):
        """(home, shell, comment, uid, gid) of an account, or None."""
        with open("/etc/passwd", encoding="utf-8", errors="surrogateescape") as passwd:
            for line in passwd:
                fields = line.rstrip("\n").split(":")
                if len(fields) == 7 and fields[0] == user:
                    return fields[5], fields[6], fields[4], int(fields[2]), int(fields[3])
        return None

    @staticmethod
    def password_hash(user):
        with open("/etc/shadow", encoding="utf-8", errors="surrogateescape") as shadow:
            for line in shadow:
                fields = line.split(":")
                if fields[0] == user and len(fields) > 1:
                    return fields[1]
        return ""

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

    # --- the lab's sudo rule and sshd settings --------------------------------------------------

    def sudoers(self, users):
        """The lab's sudo rule for `users` (none: removed), checked by visudo first."""
        path = os.path.join(SUDOERS_DIR, file_name(self.lab_id))
        if not users:
            return self.remove(path)
        text = sudoers_text(self.lab_id, users)
        try:
            with open(path, encoding="utf-8") as found:
                if found.read() == text:
                    return False
        except FileNotFoundError:
            pass
        os.makedirs(SUDOERS_DIR, mode=0o750, exist_ok=True)
        checked = os.path.join(SUDOERS_DIR, "." + file_name(self.lab_id) + ".new")
        self.write(checked, text, 0o440)
        try:
            self.run(["visudo", "-c", "-q", "-f", checked])
        except LoginError:
            self.remove(checked)
            raise
        os.replace(checked, path)
        return True

    def sshd(self, key_users, password_users):
        """The lab's sshd settings (none: removed), checked by sshd; True if they changed."""
        path = os.path.join(SSHD_DIR, file_name(self.lab_id) + ".conf")
        if not key_users and not password_users:
            return self.remove(path)
        text = sshd_text(self.lab_id, key_users, password_users)
        try:
            with open(path, encoding="utf-8") as found:
                old = found.read()
        except FileNotFoundError:
            old = None
        if old == text:
            return False
        os.makedirs(SSHD_DIR, mode=0o755, exist_ok=True)
        self.write(path, text, 0o644)
        try:
            self.run([SSHD, "-t"])
            self.check_sshd((key_users + password_users)[0])
        except LoginError:
            if old is None:
                self.remove(path)
            else:
                self.write(path, old, 0o644)
            raise
        return True

    def effective(self, user):
        """sshd's settings for a login of `user` (sshd -T -C), as {keyword: value}."""
        said = self.run([SSHD, "-T", "-C", f"user={user},host=localhost,addr=127.0.0.1"])
        return dict(line.split(" ", 1) for line in said.splitlines() if " " in line)

    def check_sshd(self, user):
        """LoginError unless sshd gives the lab's settings to `user`, and not to root."""
        student = self.effective(user)
        if student.get("forcecommand") != PROGRAM or student.get("disableforwarding") != "yes":
            raise LoginError(f"sshd on {self.name} does not take the lab's settings for its "
                             f"logins: /etc/ssh/sshd_config must read {SSHD_DIR}/*.conf (Include "
                             f"{SSHD_DIR}/*.conf at its top) and set no ForceCommand of its own "
                             "before it")
        if self.effective("root").get("forcecommand") == PROGRAM:
            raise LoginError(f"sshd on {self.name} would give the lab's settings to every user: "
                             f"a Match block of {SSHD_DIR}/ is not closed")

    def reload_sshd(self):
        """Tell the running sshd to read its settings again (SIGHUP); a warning when none runs."""
        pidfile = self.effective("root").get("pidfile", "/run/sshd.pid")
        try:
            with open(pidfile, encoding="utf-8") as found:
                pid = int(found.read().strip())
            with open(f"/proc/{pid}/comm", encoding="utf-8") as comm:
                if not comm.read().startswith("sshd"):
                    raise ValueError(pidfile)
            os.kill(pid, signal.SIGHUP)
        except (OSError, ValueError):
            return (f"no running SSH server found on {self.name} ({pidfile}): the pairs can log in "
                    "once it runs")
        return ""

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
