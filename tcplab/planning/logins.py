"""Students' logins (lab_student_access): each pair's account, folder, keys and, per machine,
what it may do there."""

import base64
import binascii
import os
import re

from ..formats.capture import capture_filter
from .checks import PlanError, as_bool, as_int, is_controller, short_text
from .pairs import choose_bridge_prefix, machine_address


# Students' logins (lab_student_access): an account per pair, named <prefix><pair>.
LOGIN_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,15}$")


MAX_LOGIN = 32  # useradd's limit on a user name


FOLDERS = re.compile(r"^/[A-Za-z0-9._/-]*$")


DEFAULT_FOLDERS = "/var/lib/tcplab/students"


# Public keys a roster may give a pair: one line "<type> <base64> [comment]", no options.
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
             "sk-ecdsa-sha2-nistp256@openssh.com")


def student_access(settings, lab_id):
    """How the pairs' logins are named and where their folders are; None when access is off."""
    if not as_bool("lab_student_access", settings.get("lab_student_access", False)):
        return None
    prefix = settings.get("lab_student_prefix") or ""
    if prefix and (not isinstance(prefix, str) or not LOGIN_PREFIX.match(prefix)):
        raise PlanError(f"lab_student_prefix {prefix!r}: use 1 to 16 lower-case letters, digits "
                        "or dashes, starting with a letter (a login is the prefix and the pair's "
                        "name).")
    folders = settings.get("lab_student_folders") or DEFAULT_FOLDERS
    if (not isinstance(folders, str) or not FOLDERS.match(folders) or ".." in folders.split("/")
            or folders.rstrip("/") == ""):
        raise PlanError(f"lab_student_folders {folders!r}: give an absolute path of letters, "
                        f"digits, '.', '_', '-' and '/', e.g. {DEFAULT_FOLDERS}.")
    return {"prefix": prefix or choose_bridge_prefix("", lab_id),
            "folders": os.path.join(folders.rstrip("/"), lab_id)}


def _ssh_keys(entry):
    """The public keys a roster entry gives its pair (ssh_keys: one key line, or a list of them)."""
    name, value = entry["name"], entry.get("ssh_keys", [])
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list):
        raise PlanError(f"Pair {name!r}: ssh_keys {value!r}: give a list of public key lines.")
    keys = []
    for key in value:
        line = key.strip() if isinstance(key, str) else ""
        fields = line.split() if "\n" not in line and "\r" not in line else []
        try:
            blob = base64.b64decode(fields[1], validate=True) if len(fields) >= 2 else b""
        except (binascii.Error, ValueError):
            blob = b""
        kind = fields[0].encode() if fields else b""
        if not fields or fields[0] not in KEY_TYPES or blob[:4 + len(kind)] != (
                len(kind).to_bytes(4, "big") + kind):
            raise PlanError(f"Pair {name!r}: ssh_keys {short_text(str(key))} is not a public key "
                            "line: give the line of the pair's .pub file ('ssh-ed25519 AAAA... "
                            "comment'), without options in front.")
        keys.append(" ".join(fields))
    return keys


def student_address(host, hosts, settings):
    """The address students' ssh reaches a machine by: lab_student_address, else the machine's."""
    facts = hosts.get(host) or {}
    if facts.get("lab_student_address"):
        return str(facts["lab_student_address"])
    if is_controller(host, hosts) and not facts.get("lab_address"):
        return settings.get("controller_address") or host
    return machine_address(host, hosts)


def pair_login(entry, pair, students, scenarios, settings, hosts):
    """A pair's login: its account, its folder, and per machine what it may do there."""
    keys = _ssh_keys(entry)
    if students is None:
        return None
    name = pair["name"]
    user = students["prefix"] + name
    if len(user) > MAX_LOGIN:
        raise PlanError(f"Pair {name!r}: its login {user!r} has {len(user)} characters, a user "
                        f"name at most {MAX_LOGIN}: shorten the pair's name or "
                        "lab_student_prefix.")
    grants = {}

    def grant(host):
        if host not in grants:
            port = (hosts.get(host) or {}).get("lab_student_port", 22)
            port = as_int(f"lab_student_port of {host}", port, 1, 65535,
                          "give the port of its SSH server.")
            grants[host] = {"host": host, "address": student_address(host, hosts, settings),
                            "port": port, "containers": [], "capture": None, "programs": []}
        return grants[host]

    remote = settings["lab_remote_dir"].rstrip("/")
    if pair["kind"] == "docker":
        here = grant(pair["docker_host"])
        here["containers"] = [pair["server"]["container"], pair["client"]["container"]]
        here["capture"] = {"interface": pair["network"]["bridge"],
                           "peer": pair["server"]["address"], "filter": ""}
    else:
        for spec in scenarios.values():
            grant(pair["server"]["machine"])["programs"].append(
                {"role": "server", "path": f"{remote}/{spec['server']}", "port": spec["port"]})
            grant(pair["client"]["machine"])["programs"].append(
                {"role": "client", "path": f"{remote}/{spec['client']}", "port": spec["port"],
                 "server": pair["server"]["address"]})
        capture = pair["capture"]
        grant(capture["host"])["capture"] = {
            "interface": capture["interface"], "peer": capture["peer"],
            "filter": capture_filter(pair, [spec["port"] for spec in scenarios.values()])}
    return {"pair": name, "user": user, "folder": os.path.join(students["folders"], name),
            "auth": "key" if keys else "password", "keys": keys, "hosts": list(grants.values())}
