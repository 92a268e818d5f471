"""Plumbing of the logins' step, as root: the system's own tools (useradd ... sshd) run with a
fixed PATH, files written atomically with their mode and owner, folders made or fixed, and the
system's account tables read. A failure is a `LoginError`, one line."""

import os
import shutil
import subprocess

SSHD = "/usr/sbin/sshd"
TOOLS = ("useradd", "usermod", "userdel", "chpasswd", "visudo", "sudo")
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
CAPTURES = (".pcap", ".pcapng")


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


class RootTools:
    """The tools and files of one machine, used as root for one lab."""

    def __init__(self, lab_id, name):
        self.lab_id, self.name = lab_id, name
        self.environment = {"PATH": PATH, "LANG": "C.UTF-8"}

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
