"""The pairs of a class: the roster (or class size), each pair's network, addresses, containers
or machines, and capture point; the machines of the run and the waves pairs take turns in."""

import hashlib
import ipaddress
import re

from ..formats.plan import PAIR_NAME
from .checks import MAX_PAIRS, PlanError, RUN_FOLDERS, as_int, is_controller, short_text


# Host numbers inside a pair's subnet: .1 is the bridge (gateway), then the server and the client.
GATEWAY_HOSTNUM, SERVER_HOSTNUM, CLIENT_HOSTNUM = 1, 2, 3


BRIDGE_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,11}$")


INTERFACE = re.compile(r"^[A-Za-z0-9_.:@-]{1,15}$")


ROSTER_KEYS = {"name", "messages", "students", "docker_host", "server", "client", "capture", "capture_host",
               "capture_interface", "ssh_keys"}


def roster_students(entry):
    """The students of a pair (roster ``students``): [{"name", "id"}], ``id`` the one their
    course platform knows them by (an email address, a student number) or ""."""
    value = entry.get("students") or []
    fix = ('give a list of students, each a name or {name: ..., id: ...}, e.g. '
           '["Ani Lestari", {name: "Budi Santoso", id: "budi@kampus.ac.id"}].')
    where = f"Students of pair {entry['name']!r}"
    if not isinstance(value, list):
        raise PlanError(f"{where} {value!r}: {fix}")
    students = []
    for student in value:
        if isinstance(student, str):
            student = {"name": student}
        if not isinstance(student, dict) or set(student) - {"name", "id"}:
            raise PlanError(f"{where}: {student!r}: {fix}")
        name, given = student.get("name"), student.get("id", "")
        if isinstance(given, int) and not isinstance(given, bool):
            given = str(given)
        for field, text in (("name", name), ("id", given)):
            if not isinstance(text, str) or (field == "name" and not text.strip()) \
                    or len(text) > 200 or any(c in text for c in "\r\n\t"):
                raise PlanError(f"{where}: the {field} {short_text(str(text))} must be one line of "
                                f"text (at most 200 characters); {fix}")
        students.append({"name": name.strip(), "id": given.strip()})
    return students


def roster_entries(settings, hosts):
    roster = settings.get("lab_roster") or []
    if not isinstance(roster, list):
        raise PlanError(f"lab_roster {roster!r}: give a list of pairs, e.g. [{{name: ani-budi}}], or [] "
                        "to use lab_class_size.")
    if not roster:
        size = as_int("lab_class_size", settings.get("lab_class_size"), 1, MAX_PAIRS,
                      f"give 1 to {MAX_PAIRS} pairs, or list them in lab_roster.")
        return [{"name": f"p{number:02d}"} for number in range(1, size + 1)]
    if len(roster) > MAX_PAIRS:
        raise PlanError(f"lab_roster has {len(roster)} pairs: at most {MAX_PAIRS}.")
    seen = set()
    for entry in roster:
        if not isinstance(entry, dict) or "name" not in entry:
            raise PlanError(f"lab_roster entry {entry!r}: each pair needs a name, e.g. {{name: ani-budi}}.")
        name = entry["name"]
        if not isinstance(name, str) or not PAIR_NAME.match(name) or name in seen or name in hosts:
            raise PlanError(f"Pair name {name!r}: use a unique name of lower-case letters, digits and dashes "
                            "(at most 31) that is not also an inventory host.")
        if name in RUN_FOLDERS:
            raise PlanError(f"Pair name {name!r}: the run folder has a folder {name}/ of its own "
                            f"({', '.join(RUN_FOLDERS)}); give the pair another name.")
        unknown = sorted(set(entry) - ROSTER_KEYS)
        if unknown:
            raise PlanError(f"Pair {name!r}: unknown setting {unknown[0]!r}; a roster entry may have "
                            f"{sorted(ROSTER_KEYS)}.")
        seen.add(name)
    return roster


def network_settings(settings, count):
    pool_text = settings.get("lab_network_pool")
    prefix = settings.get("lab_network_prefix")
    try:
        pool = ipaddress.ip_network(str(pool_text), strict=True)
        if pool.version != 4:
            raise ValueError
    except ValueError:
        raise PlanError(f"lab_network_pool {pool_text!r}: give an IPv4 network in CIDR form, "
                        "e.g. 10.213.0.0/16.") from None
    prefix = as_int("lab_network_prefix", prefix, pool.prefixlen, 29,
                    f"give a prefix length from {pool.prefixlen} (the pool's) to 29.")
    available = 2 ** (prefix - pool.prefixlen) - 1  # subnet 0 stays unused: pair N has subnet N
    if count > available:
        raise PlanError(f"lab_network_pool {pool_text} with lab_network_prefix {prefix} has no subnet "
                        f"number {available + 1} for pair {available + 1}: use a larger pool "
                        "(e.g. 10.213.0.0/16) or a longer prefix (at most 29).")
    return pool, prefix


def subnet(pool, prefix, number):
    size = 2 ** (32 - prefix)
    return ipaddress.ip_network((int(pool.network_address) + number * size, prefix))


def choose_bridge_prefix(given, lab_id):
    """Pair N's bridge is <prefix>NNN: 15 characters at most, unique to the lab on its engine."""
    if given:
        if not BRIDGE_PREFIX.match(given):
            raise PlanError(f"lab_bridge_prefix {given!r}: use 1 to 12 lower-case letters, digits or dashes, "
                            "starting with a letter (interface names are at most 15 characters).")
        return given
    if len(lab_id) <= 8 and re.fullmatch(r"[a-z][a-z0-9-]*", lab_id):
        return lab_id + "-"
    return "tl" + hashlib.sha256(lab_id.encode()).hexdigest()[:5] + "-"


def docker_pair(entry, index, lab_id, settings, hosts, network, bridge_prefix):
    name = entry["name"]
    for key in ("server", "client", "capture_host", "capture_interface"):
        if key in entry:
            raise PlanError(f"Pair {name!r}: {key} is for pairs on machines (give server and client), "
                            "not for pairs on the lab's containers.")
    if entry.get("capture", "bridge") != "bridge":
        raise PlanError(f"Pair {name!r}: capture {entry['capture']!r} - pairs on the lab's containers "
                        "are captured on their bridge (capture: bridge).")
    docker_host = entry.get("docker_host") or settings.get("lab_docker_host") or "localhost"
    if not isinstance(docker_host, str) or docker_host not in hosts:
        raise PlanError(f"Pair {name!r}: docker_host {docker_host!r} is not an inventory host; list it "
                        "under lab_docker_hosts in hosts.yml.")
    pool, prefix = network
    net = subnet(pool, prefix, index)
    addresses = {role: str(net.network_address + number)
                 for role, number in (("gateway", GATEWAY_HOSTNUM), ("server", SERVER_HOSTNUM),
                                      ("client", CLIENT_HOSTNUM))}
    bridge = f"{bridge_prefix}{index:03d}"
    containers = {role: f"{lab_id}-{name}-{role}" for role in ("server", "client")}
    return {
        "name": name, "index": index, "kind": "docker", "wave": 1,
        "docker_host": docker_host,
        "network": {"name": f"{lab_id}-{name}", "subnet": str(net), "gateway": addresses["gateway"],
                    "bridge": bridge},
        "server": {"host": containers["server"], "container": containers["server"],
                   "machine": docker_host, "address": addresses["server"]},
        "client": {"host": containers["client"], "container": containers["client"],
                   "machine": docker_host, "address": addresses["client"]},
        "capture": {"host": docker_host, "point": "bridge", "interface": bridge,
                    "peer": addresses["server"], "local": is_controller(docker_host, hosts)},
    }


def machine_address(host, hosts):
    """The address the other machines reach a machine by: lab_address, else ansible_host."""
    facts = hosts.get(host) or {}
    return str(facts.get("lab_address") or facts.get("ansible_host") or host)


def is_loopback(address):
    """Whether an address (or the name localhost) is one of the machine's own loopback addresses."""
    if address.lower().rstrip(".") in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def check_distinct_addresses(pairs, hosts):
    """Each machine that runs a pair's server or client is reached by an address of its own: two
    machines behind port forwards both have ansible_host 127.0.0.1, and one pair's client would
    reach another pair's server on its own machine."""
    machines = dict.fromkeys(p[role]["machine"] for p in pairs if p["kind"] == "machines"
                             for role in ("server", "client"))
    seen = {}
    for machine in machines:
        address = machine_address(machine, hosts)
        if address in seen:
            raise PlanError(f"Machines {seen[address]} and {machine} both have the lab address {address}: "
                            "give each its own lab_address in the inventory (the address the other "
                            "machines reach it by).")
        seen[address] = machine


def machine_pair(entry, index, settings, hosts):
    name = entry["name"]
    server, client = entry.get("server"), entry.get("client")
    if "docker_host" in entry:
        raise PlanError(f"Pair {name!r}: docker_host is for pairs on the lab's containers; a pair with "
                        "server and client runs on those machines.")
    if not isinstance(server, str) or not isinstance(client, str) or server not in hosts or client not in hosts:
        raise PlanError(f"Pair {name!r}: server {server!r} and client {client!r} must both be inventory "
                        "hosts (list the machines under lab_machines in hosts.yml).")
    server_address, client_address = machine_address(server, hosts), machine_address(client, hosts)
    if server != client:
        for host, address in ((server, server_address), (client, client_address)):
            if is_loopback(address):
                raise PlanError(f"Pair {name!r}: {host} has the address {address}, a loopback address, but "
                                f"the pair's server ({server}) and client ({client}) are two machines: set "
                                f"lab_address of {host} in the inventory to the address the other machines "
                                "reach it by.")
    interface = entry.get("capture_interface") or settings.get("lab_capture_interface") or ""
    if server == client:
        point, capture_host, peer, interface = "loopback", server, client_address, interface or "lo"
    else:
        point = entry.get("capture") or settings.get("lab_capture_point") or "bridge"
        if point == "server":
            capture_host, peer = server, client_address
        elif point == "bridge":
            capture_host = entry.get("capture_host") or settings.get("lab_capture_host") or ""
            peer = server_address
        else:
            capture_host = ""
        if point not in ("bridge", "server") or capture_host not in hosts:
            raise PlanError(
                f"Pair {name!r}: capture {point!r} on {capture_host!r} - use capture: bridge with "
                "lab_capture_host (or the pair's capture_host) set to the inventory host that owns the "
                "bridge, or capture: server; pairs on the lab's containers capture on the bridge.")
    if interface and not INTERFACE.match(str(interface)):
        raise PlanError(f"Pair {name!r}: capture_interface {interface!r} is not an interface name "
                        "(e.g. virbr0, eth0).")
    return {
        "name": name, "index": index, "kind": "machines", "wave": 1,
        "docker_host": None, "network": None,
        "server": {"host": server, "container": None, "machine": server, "address": server_address},
        "client": {"host": client, "container": None, "machine": client, "address": client_address},
        "capture": {"host": capture_host, "point": point, "interface": interface, "peer": peer,
                    "local": is_controller(capture_host, hosts)},
    }


def assign_waves(pairs):
    """Pairs whose servers share a machine take turns (wave 1, 2, ...): one port, one server at a time."""
    per_server = {}
    for pair in pairs:
        if pair["kind"] == "machines":
            machine = pair["server"]["machine"]
            per_server[machine] = per_server.get(machine, 0) + 1
            pair["wave"] = per_server[machine]


def run_machines(pairs, hosts, scenarios):
    """Every real machine of the run and what it does (containers are not machines).

    drops: the scenarios whose lost segment this machine drops, as the receiver of a pair on
    machines (module_utils/loss.py): the server for to_server, the client for to_client.
    """
    machines = {}

    def mark(host, role):
        entry = machines.setdefault(host, {"docker": False, "serves": False, "clients": False,
                                           "captures": False, "drops": [],
                                           "local": is_controller(host, hosts)})
        entry[role] = True

    for pair in pairs:
        if pair["kind"] == "docker":
            mark(pair["docker_host"], "docker")
        else:
            mark(pair["server"]["machine"], "serves")
            mark(pair["client"]["machine"], "clients")
        mark(pair["capture"]["host"], "captures")
    for pair in pairs:
        for name, spec in scenarios.items():
            if pair["kind"] == "machines" and spec.get("loss"):
                receiver = "server" if spec["loss"]["direction"] == "to_server" else "client"
                drops = machines[pair[receiver]["machine"]]["drops"]
                if name not in drops:
                    drops.append(name)
    return machines
