"""The plan of a lab run: the class, validated and worked out completely before anything runs.

`build_plan(settings, inventory, records)` turns the inventory's settings (class size or roster,
scenarios, messages, Docker hosts, machines, capture points) into one record per pair with every
value a later step needs: names, subnet and addresses, container names, the Docker host, the server
and client machines, the capture host and interface, the messages per scenario, and (with
lab_student_access) the pair's login: its account, folder and keys, and per machine what it may do
there. It also says which real machines take part and which captures the run still needs. Nothing
downstream works anything out again.

A bad setting raises PlanError with one line that names the value and says what would be right.
Messages are data: they are copied as they are and never templated (the action plugin reads them
raw from the inventory).

Pure Python, no Ansible: the action plugin `tcplab.lab.plan` calls it, the tests call it directly.
"""

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import os
import re

SCHEMA = "tcplab.plan/1"

# The longest message the lab programs take (UTF-8 bytes); a longer one is refused up front.
MAX_MESSAGE_BYTES = 65536
MAX_PAIRS = 250

# Generated messages (lab_messages_seed): lab_messages_count per scenario, 3 unless set.
DEFAULT_MESSAGES_COUNT, MAX_MESSAGES_COUNT = 3, 20
# A generated message is "<noun> <adjective> <number>", e.g. "kucing merah 4821": short Indonesian
# words a student types without a second look. 128 x 64 x 9000 = 73,728,000 messages; the plan
# also keeps every generated message distinct (see _seeded_messages).
NOUNS = (
    "kucing", "anjing", "burung", "ikan", "kuda", "sapi", "kambing", "ayam", "bebek", "gajah",
    "harimau", "singa", "monyet", "kelinci", "katak", "rusa", "kerbau", "semut", "lebah", "kupu",
    "capung", "cicak", "beruang", "paus", "udang", "kepiting", "penyu", "apel", "jeruk", "mangga",
    "pisang", "nanas", "anggur", "semangka", "melon", "pepaya", "durian", "rambutan", "salak",
    "jambu", "manggis", "nangka", "kelapa", "alpukat", "belimbing", "sirsak", "duku", "nasi",
    "roti", "kopi", "teh", "susu", "gula", "garam", "sambal", "bakso", "sate", "soto", "tempe",
    "tahu", "mie", "kue", "keju", "madu", "buku", "pena", "pensil", "meja", "kursi", "pintu",
    "jendela", "lampu", "jam", "tas", "sepatu", "topi", "baju", "payung", "kunci", "gelas",
    "piring", "sendok", "botol", "kotak", "bola", "layangan", "sepeda", "mobil", "kapal",
    "kereta", "perahu", "pesawat", "gunung", "sungai", "danau", "laut", "pantai", "hutan", "pohon",
    "bunga", "daun", "batu", "pasir", "awan", "hujan", "angin", "bulan", "bintang", "matahari",
    "pelangi", "rumah", "pasar", "sekolah", "kantor", "taman", "jalan", "jembatan", "menara",
    "desa", "kota", "pulau", "gitar", "seruling", "radio", "kamera", "peta", "kompas", "surat",
)
ADJECTIVES = (
    "merah", "biru", "hijau", "kuning", "putih", "hitam", "ungu", "jingga", "coklat", "abu",
    "emas", "perak", "besar", "kecil", "tinggi", "pendek", "panjang", "lebar", "sempit", "tebal",
    "tipis", "berat", "ringan", "cepat", "lambat", "baru", "lama", "muda", "tua", "manis", "asam",
    "asin", "pedas", "pahit", "panas", "dingin", "hangat", "sejuk", "basah", "kering", "bersih",
    "terang", "gelap", "ramai", "sepi", "senang", "riang", "tenang", "berani", "pintar", "rajin",
    "ramah", "lucu", "cantik", "indah", "bagus", "kuat", "lembut", "halus", "kasar", "bulat",
    "segar", "harum", "wangi",
)

# A scenario's loss: the receiver drops these data segments of one direction, each once.
LOSS_DIRECTIONS = ("to_server", "to_client")
MAX_LOSS_SEGMENT = 20

# Host numbers inside a pair's subnet: .1 is the bridge (gateway), then the server and the client.
GATEWAY_HOSTNUM, SERVER_HOSTNUM, CLIENT_HOSTNUM = 1, 2, 3

LAB_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
PAIR_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
# Folders of the run folder that are not a pair's: the pairs' hand-out, the report's diagrams.
RUN_FOLDERS = ("handout", "ladders")
BRIDGE_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,11}$")
INTERFACE = re.compile(r"^[A-Za-z0-9_.:@-]{1,15}$")
ROSTER_KEYS = {"name", "messages", "students", "docker_host", "server", "client", "capture", "capture_host",
               "capture_interface", "ssh_keys"}
# Students' logins (lab_student_access): an account per pair, named <prefix><pair>.
LOGIN_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
MAX_LOGIN = 32  # useradd's limit on a user name
FOLDERS = re.compile(r"^/[A-Za-z0-9._/-]*$")
DEFAULT_FOLDERS = "/var/lib/tcplab/students"
# Public keys a roster may give a pair: one line "<type> <base64> [comment]", no options.
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
             "sk-ecdsa-sha2-nistp256@openssh.com")


class PlanError(Exception):
    """A setting that cannot make a plan; the message is the one line the user sees."""


def build_plan(settings, inventory, records=None):
    """The complete plan of a run.

    settings: the lab's variables (lab_id, lab_run_id, lab_class_size, lab_roster, lab_messages,
      lab_messages_seed, lab_messages_count, ...), already resolved to plain values, messages
      untouched.
    inventory: {"hosts": {name: {"ansible_host", "lab_address", "ansible_connection", ...}},
      "groups": {group: [hosts]}}.
    records: {(pair, scenario): status} of the run's capture records found so far (a re-run).
    """
    hosts = inventory.get("hosts", {})
    lab_id = _lab_id(settings.get("lab_id"))
    run_id = check_run_id(settings["lab_run_id"])
    scenarios = _scenarios(settings)
    entries = _roster(settings, hosts)
    defined = list(settings["lab_scenarios"])
    class_messages = _messages("lab_messages", settings.get("lab_messages") or {}, scenarios, defined)
    seed = _messages_seed(settings.get("lab_messages_seed"))
    count = settings.get("lab_messages_count")
    count = as_int("lab_messages_count", DEFAULT_MESSAGES_COUNT if count is None else count, 1,
                   MAX_MESSAGES_COUNT, f"give 1 to {MAX_MESSAGES_COUNT} generated messages per scenario.")
    network = _network(settings, len(entries))
    report_language = _report_language(settings)
    bridge_prefix = _bridge_prefix(settings.get("lab_bridge_prefix") or "", lab_id)
    access = _student_access(settings, lab_id)
    run_dir = os.path.join(settings["lab_captures_dir"], run_id)

    pairs = []
    generated = set()  # every generated message so far: none is given twice
    for index, entry in enumerate(entries, start=1):
        own = _messages(f"lab_roster pair {entry['name']}", entry.get("messages") or {}, scenarios, defined)
        if "server" in entry:
            pair = _machine_pair(entry, index, settings, hosts, scenarios)
        else:
            pair = _docker_pair(entry, index, lab_id, settings, hosts, network, bridge_prefix)
        pair["students"] = _roster_students(entry)
        pair["messages"], pair["messages_source"] = {}, {}
        for name, spec in scenarios.items():
            if own.get(name):
                messages, source = own[name], "pair"
            elif seed:
                messages, source = _seeded_messages(seed, entry["name"], name, count, generated), "seed"
            elif class_messages.get(name):
                messages, source = class_messages[name], "class"
            else:
                messages, source = spec["messages"], "scenario"
            pair["messages"][name], pair["messages_source"][name] = list(messages), source
        pair["login"] = _login(entry, pair, access, scenarios, settings, hosts)
        pairs.append(pair)
    _distinct_addresses(pairs, hosts)
    _assign_waves(pairs)

    records = records or {}
    todo = {name: [p["name"] for p in pairs if records.get((p["name"], name)) != "ok"]
            for name in scenarios}
    return {
        "schema": SCHEMA,
        "lab_id": lab_id,
        "run_id": run_id,
        "run_dir": run_dir,
        "captures_dir": settings["lab_captures_dir"],
        "controller": settings.get("controller") or "localhost",
        "remote_dir": settings["lab_remote_dir"],
        "programs_dir": settings.get("lab_programs_dir") or "",
        "programs": sorted({spec[role] for spec in scenarios.values() for role in ("server", "client")}),
        "spool": settings["lab_spool"],
        "image": settings.get("lab_image_name") or "",
        "report_language": report_language,
        "scenarios": scenarios,
        "messages_seeded": bool(seed),
        "logins": access and {
            "prefix": access["prefix"], "folders": access["folders"],
            "hosts": list(dict.fromkeys(grant["host"] for pair in pairs
                                        for grant in pair["login"]["hosts"]))},
        "pairs": pairs,
        "docker_hosts": list(dict.fromkeys(p["docker_host"] for p in pairs if p["kind"] == "docker")),
        "machines": _machines(pairs, hosts),
        "waves": max(p["wave"] for p in pairs),
        "todo": todo,
    }


def check_same_class(earlier, plan):
    """A run id whose folder already has a plan.json (`earlier`) is a re-run of that class: the
    same lab and the same roster (pair names, their server and client machines). Anything else
    would plan another class into that run's folder over its plan: refused, one line."""
    if not isinstance(earlier, dict):
        return
    fix = "leave lab_run_id empty for a new run (or give a new run id)."
    if earlier.get("lab_id") != plan["lab_id"]:
        raise PlanError(f"Run {plan['run_id']} is of lab {earlier.get('lab_id')!r}, this one is lab "
                        f"{plan['lab_id']!r} (another inventory?): {fix}")

    def roster(pairs):
        return {p.get("name"): (p.get("server", {}).get("machine"), p.get("client", {}).get("machine"))
                for p in pairs if isinstance(p, dict)}

    before = roster(earlier.get("pairs") or [])
    now = roster(plan["pairs"])
    if list(before) != list(now):
        gone, new = [n for n in before if n not in now], [n for n in now if n not in before]
        what = "; ".join(part for part in (
            gone and f"its pairs {', '.join(map(str, gone[:5]))}{' ...' if len(gone) > 5 else ''} are not in this one",
            new and f"this one has pairs {', '.join(new[:5])}{' ...' if len(new) > 5 else ''} it has not",
        ) if part) or "its pairs are in another order"
        raise PlanError(f"Run {plan['run_id']} has another roster: {what}: {fix}")
    for name, machines in now.items():
        if before[name] != machines:
            raise PlanError(f"Run {plan['run_id']} has pair {name} with server {before[name][0]} and client "
                            f"{before[name][1]}, this one with server {machines[0]} and client "
                            f"{machines[1]}: {fix}")


def as_int(name, value, low, high, fix):
    """An integer setting; a string of digits (`-e lab_class_size=30`) counts as its number."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PlanError(f"{name} {value!r}: {fix}")
    return value


def as_list(name, value, fix):
    """A list setting; a comma-separated string (`-e lab_run_scenarios=upcall`) counts as its items."""
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, list):
        raise PlanError(f"{name} {value!r}: {fix}")
    return value


def is_controller(host, hosts):
    """The controller is the host Ansible reaches without a connection of its own."""
    return (hosts.get(host) or {}).get("ansible_connection") == "local"


def _lab_id(value):
    if not isinstance(value, str) or not LAB_ID.match(value):
        raise PlanError(f"lab_id {value!r}: use 1 to 40 lower-case letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit.")
    return value


def check_run_id(value):
    if not isinstance(value, str) or not RUN_ID.match(value):
        raise PlanError(f"lab_run_id {value!r}: use a folder-safe name (letters, digits, '.', '_', '-'), "
                        "or leave it empty for a new run.")
    return value


def _scenarios(settings):
    defined = settings.get("lab_scenarios")
    if not isinstance(defined, dict) or not defined:
        raise PlanError(f"lab_scenarios {defined!r}: define the scenarios as a mapping "
                        "(see inventory/common/group_vars/all/scenarios.yml).")
    run = as_list("lab_run_scenarios", settings.get("lab_run_scenarios"),
                  f"each must be one of {list(defined)}.")
    if not run or any(not isinstance(name, str) or name not in defined for name in run) or len(set(run)) < len(run):
        raise PlanError(f"lab_run_scenarios {run}: each must be one of {list(defined)}, each once.")
    programs = settings.get("lab_programs_dir")
    scenarios = {}
    for name in run:
        spec = defined[name]
        fix = ("needs port (1-65535), server and client (paths under files/), reply_format containing "
               "{message}, and messages (a non-empty list of quoted strings).")
        if not isinstance(spec, dict):
            raise PlanError(f"lab_scenarios.{name}: {fix}")
        port = as_int(f"lab_scenarios.{name}.port", spec.get("port"), 1, 65535, fix)
        reply_format = spec.get("reply_format")
        if not isinstance(reply_format, str) or "{message}" not in reply_format:
            raise PlanError(f"lab_scenarios.{name}.reply_format {reply_format!r}: {fix}")
        for role in ("server", "client"):
            path = spec.get(role)
            if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
                raise PlanError(f"lab_scenarios.{name}.{role} {path!r}: {fix}")
            if programs and not os.path.isfile(os.path.join(programs, path)):
                raise PlanError(f"lab_scenarios.{name}.{role} {path!r}: there is no such program in "
                                f"{programs}; give a path under files/.")
        messages = spec.get("messages")
        _check_message_list(f"lab_scenarios.{name}.messages", messages, fix)
        scenarios[name] = {"name": name, "port": port, "server": spec["server"], "client": spec["client"],
                           "reply_format": reply_format, "messages": list(messages)}
        if spec.get("loss") is not None:
            scenarios[name]["loss"] = _loss(name, spec["loss"])
    return scenarios


def _loss(name, value):
    """A scenario's impairment (DESIGN.md, "A lost segment"): which data segments of which
    direction the receiver's namespace drops, each once."""
    fix = (f"write loss: {{direction: to_server or to_client, segments: [2]}} (the data segments "
           f"to drop once, counted from 1, at most {MAX_LOSS_SEGMENT}).")
    if not isinstance(value, dict) or set(value) != {"direction", "segments"}:
        raise PlanError(f"lab_scenarios.{name}.loss {value!r}: {fix}")
    direction, segments = value["direction"], value["segments"]
    if direction not in LOSS_DIRECTIONS:
        raise PlanError(f"lab_scenarios.{name}.loss.direction {direction!r}: {fix}")
    if (not isinstance(segments, list) or not segments
            or any(isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_LOSS_SEGMENT
                   for n in segments) or len(set(segments)) < len(segments)):
        raise PlanError(f"lab_scenarios.{name}.loss.segments {segments!r}: {fix}")
    return {"direction": direction, "segments": sorted(segments)}


def _check_message_list(where, messages, fix):
    if not isinstance(messages, list) or not messages or any(not isinstance(m, str) for m in messages):
        raise PlanError(f"{where} {messages!r}: {fix}")
    for message in messages:
        if "\n" in message or "\r" in message:
            raise PlanError(f"{where}: the message {_short(message)} has a line break in it; a message "
                            "travels as one line, so write it without \\n or \\r (or as two messages).")
        size = len(message.encode("utf-8", "surrogatepass"))
        if size > MAX_MESSAGE_BYTES:
            raise PlanError(f"{where}: the message {_short(message)} is {size} bytes; "
                            f"a message may be at most {MAX_MESSAGE_BYTES} bytes (UTF-8).")


def _short(text, limit=40):
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def _messages(where, value, scenarios, defined):
    """Messages per scenario (lab_messages, or a roster entry's), checked for the scenarios that run."""
    fix = (f"must map scenarios in {defined} to non-empty lists of quoted strings "
           '(write "1", not 1).')
    if not isinstance(value, dict) or any(name not in defined for name in value):
        raise PlanError(f"Messages of {where}: {value!r} {fix}")
    for name, messages in value.items():
        if name not in scenarios:
            continue  # a scenario that does not run this time
        if not isinstance(messages, list) or not messages or any(not isinstance(m, str) for m in messages):
            raise PlanError(f"Messages of {where}: {value!r} {fix}")
        _check_message_list(f"Messages of {where}", messages, fix)
    return value


def _roster_students(entry):
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
                raise PlanError(f"{where}: the {field} {_short(str(text))} must be one line of "
                                f"text (at most 200 characters); {fix}")
        students.append({"name": name.strip(), "id": given.strip()})
    return students


def _messages_seed(value):
    """The teacher's seed for generated messages; empty (or unset) generates none.

    A pair's messages per scenario come from, in this order: its roster entry, the seed, lab_messages,
    the scenario's defaults. The plan says which (pair["messages_source"][scenario]: "pair", "seed",
    "class" or "scenario") and whether a seed was set (plan["messages_seeded"]), never the seed.
    """
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        # Named by its type, never shown: the seed is the teacher's secret.
        raise PlanError(f"lab_messages_seed ({type(value).__name__} value, not shown): write the seed as a "
                        'quoted string (e.g. "kelas-a 2026"), or "" for no generated messages.')
    return value


def seeded_message(seed: str, pair: str, scenario: str, index: int, attempt: int = 0) -> str:
    """Message `index` (1-based) of `pair` in `scenario`, from the teacher's seed.

    HMAC-SHA256 keyed with the seed (UTF-8) over the JSON text of [pair, scenario, index] (compact,
    UTF-8; [pair, scenario, index, attempt] for a second try): bytes 0-3 of the digest pick the noun,
    4-7 the adjective, 8-11 the number 1000-9999 (each a big-endian integer modulo the choices).
    The same seed and names give the same message on every run and machine.
    """
    key = [pair, scenario, index] + ([attempt] if attempt else [])
    data = json.dumps(key, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    digest = hmac.new(seed.encode("utf-8"), data, hashlib.sha256).digest()

    def pick(start, choices):
        return int.from_bytes(digest[start:start + 4], "big") % choices

    number = 1000 + pick(8, 9000)
    return f"{NOUNS[pick(0, len(NOUNS))]} {ADJECTIVES[pick(4, len(ADJECTIVES))]} {number}"


def _seeded_messages(seed, pair, scenario, count, generated):
    """`count` generated messages of a pair's scenario, each one no other pair or scenario has.

    A message already given (to a pair earlier in the roster, or earlier in this list) is derived
    again with the next attempt number. That is rare (a class of 250 pairs with 2 scenarios of 3
    messages meets it about once in 65 classes) and keeps the plan a function of the seed and
    the roster: a pair's messages never depend on the pairs after it.
    """
    messages = []
    for index in range(1, count + 1):
        attempt = 0
        message = seeded_message(seed, pair, scenario, index)
        while message in generated:
            attempt += 1
            message = seeded_message(seed, pair, scenario, index, attempt)
        generated.add(message)
        messages.append(message)
    return messages


def _report_language(settings):
    """The report's language: one the analyzer has a file for (tcplab/lang/<code>.py)."""
    code, known = settings.get("lab_report_language") or "en", settings.get("report_languages") or ["en"]
    if code not in known:
        raise PlanError(f"lab_report_language {code!r}: the report speaks {known} "
                        "(a language is one file in tcplab/lang/).")
    return code


def _roster(settings, hosts):
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


def _network(settings, count):
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


def _bridge_prefix(given, lab_id):
    """Pair N's bridge is <prefix>NNN: 15 characters at most, unique to the lab on its engine."""
    if given:
        if not BRIDGE_PREFIX.match(given):
            raise PlanError(f"lab_bridge_prefix {given!r}: use 1 to 12 lower-case letters, digits or dashes, "
                            "starting with a letter (interface names are at most 15 characters).")
        return given
    if len(lab_id) <= 8 and re.fullmatch(r"[a-z][a-z0-9-]*", lab_id):
        return lab_id + "-"
    return "tl" + hashlib.sha256(lab_id.encode()).hexdigest()[:5] + "-"


def _docker_pair(entry, index, lab_id, settings, hosts, network, bridge_prefix):
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


def _distinct_addresses(pairs, hosts):
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


def _machine_pair(entry, index, settings, hosts, scenarios):
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
    lost = [scenario for scenario, spec in scenarios.items() if spec.get("loss")]
    if lost:
        raise PlanError(f"Pair {name!r}: scenario {lost[0]!r} drops a segment (loss), which the lab "
                        "does only on its containers; run it with pairs on containers, or leave it "
                        "out of lab_run_scenarios for pairs on machines.")
    return {
        "name": name, "index": index, "kind": "machines", "wave": 1,
        "docker_host": None, "network": None,
        "server": {"host": server, "container": None, "machine": server, "address": server_address},
        "client": {"host": client, "container": None, "machine": client, "address": client_address},
        "capture": {"host": capture_host, "point": point, "interface": interface, "peer": peer,
                    "local": is_controller(capture_host, hosts)},
    }


def as_bool(name, value):
    """A yes/no setting; "true" or "false" (`-e lab_student_access=true`) count as their value."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    if not isinstance(value, bool):
        raise PlanError(f"{name} {value!r}: write true or false.")
    return value


def _student_access(settings, lab_id):
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
    return {"prefix": prefix or _bridge_prefix("", lab_id),
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
            raise PlanError(f"Pair {name!r}: ssh_keys {_short(str(key))} is not a public key "
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


def _login(entry, pair, students, scenarios, settings, hosts):
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
        ports = " or ".join(f"port {spec['port']}" for spec in scenarios.values())
        capture = pair["capture"]
        between = f"host {pair['server']['address']} and host {pair['client']['address']}"
        grant(capture["host"])["capture"] = {
            "interface": capture["interface"], "peer": capture["peer"],
            "filter": f"tcp and {between} and ({ports})"}
    return {"pair": name, "user": user, "folder": os.path.join(students["folders"], name),
            "auth": "key" if keys else "password", "keys": keys, "hosts": list(grants.values())}


def _assign_waves(pairs):
    """Pairs whose servers share a machine take turns (wave 1, 2, ...): one port, one server at a time."""
    per_server = {}
    for pair in pairs:
        if pair["kind"] == "machines":
            machine = pair["server"]["machine"]
            per_server[machine] = per_server.get(machine, 0) + 1
            pair["wave"] = per_server[machine]


def _machines(pairs, hosts):
    """Every real machine of the run and what it does (containers are not machines)."""
    machines = {}

    def mark(host, role):
        entry = machines.setdefault(host, {"docker": False, "serves": False, "clients": False,
                                           "captures": False, "local": is_controller(host, hosts)})
        entry[role] = True

    for pair in pairs:
        if pair["kind"] == "docker":
            mark(pair["docker_host"], "docker")
        else:
            mark(pair["server"]["machine"], "serves")
            mark(pair["client"]["machine"], "clients")
        mark(pair["capture"]["host"], "captures")
    return machines


def capture_filter(pair, port):
    """tcpdump's filter for one pair's conversation on one port."""
    return (f"tcp and host {pair['server']['address']} and host {pair['client']['address']} "
            f"and port {port}")


def capture_paths(plan, pair, scenario):
    """(pcap, spool stem) of one capture on its capture host.

    The pcap lands in the run folder at once when the capture host is the controller, else in the
    spool until it is fetched. tcpdump's pid and log always stay in the spool.
    """
    stem = os.path.join(plan["spool"], plan["lab_id"], plan["run_id"], pair["name"], scenario)
    if pair["capture"]["local"]:
        return os.path.join(plan["run_dir"], pair["name"], scenario + ".pcap"), stem
    return stem + ".pcap", stem

