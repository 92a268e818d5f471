"""The lab's sudo rule and sshd settings on a machine, put in place only once the system's own
checks (visudo, sshd -t, sshd -T for a login and for root) accept them, and sshd told to read
them again."""

import os
import signal

from ansible_collections.tcplab.lab.plugins.module_utils.login_texts import (
    PROGRAM, SSHD_DIR, SUDOERS_DIR, file_name, sshd_text, sudoers_text)
from ansible_collections.tcplab.lab.plugins.module_utils.root_tools import SSHD, LoginError, RootTools


class LabAccess(RootTools):
    """The lab's sudo rule and sshd settings on this machine."""

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
