"""What a pair's login is made of, as text: the paths the lab uses on a machine, the sudo rule,
the sshd settings, the keys file and the grant (module_utils/accounts.py makes them). Pure
functions, unit-tested."""

import re

PROGRAM = "/usr/local/lib/tcplab/tcplab-student"
ETC = "/etc/tcplab"
GRANTS = ETC + "/students"
KEYS = ETC + "/keys"
LABS = ETC + "/labs"
SUDOERS_DIR = "/etc/sudoers.d"
SSHD_DIR = "/etc/ssh/sshd_config.d"


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
