"""The plan of a lab run: the class, validated and worked out completely before anything runs.

`build_plan(settings, inventory, records)` turns the inventory's settings (class size or roster,
scenarios, messages, Docker hosts, machines, capture points) into one record per pair with every
value a later step needs: names, subnet and addresses, container names, the Docker host, the server
and client machines, the capture host and interface, the messages per scenario, and (with
lab_student_access) the pair's login: its account, folder and keys, and per machine what it may do
there. It also says which real machines take part and which captures the run still needs. Nothing
downstream works anything out again. Its format (schema, pair names) is `tcplab.formats.plan`'s,
which reads it back.

A bad setting raises PlanError with one line that names the value and says what would be right.
Messages are data: they are copied as they are and never templated (the action plugin reads them
raw from the inventory).

Pure Python, no Ansible: the action plugin `tcplab.lab.plan` calls it, the tests call it directly.
"""

import os

from ..formats.plan import PLAN_SCHEMA
from .checks import PlanError, as_int, check_lab_id, check_run_id
from .logins import pair_login, student_access
from .messages import (
    DEFAULT_MESSAGES_COUNT, MAX_MESSAGES_COUNT, check_report_language, checked_messages,
    messages_seed, planned_scenarios, seeded_messages)
from .pairs import (
    assign_waves, check_distinct_addresses, choose_bridge_prefix, docker_pair, machine_pair,
    network_settings, roster_entries, roster_students, run_machines)


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
    lab_id = check_lab_id(settings.get("lab_id"))
    run_id = check_run_id(settings["lab_run_id"])
    scenarios = planned_scenarios(settings)
    entries = roster_entries(settings, hosts)
    defined = list(settings["lab_scenarios"])
    class_messages = checked_messages("lab_messages", settings.get("lab_messages") or {}, scenarios, defined)
    seed = messages_seed(settings.get("lab_messages_seed"))
    count = settings.get("lab_messages_count")
    count = as_int("lab_messages_count", DEFAULT_MESSAGES_COUNT if count is None else count, 1,
                   MAX_MESSAGES_COUNT, f"give 1 to {MAX_MESSAGES_COUNT} generated messages per scenario.")
    network = network_settings(settings, len(entries))
    report_language = check_report_language(settings)
    bridge_prefix = choose_bridge_prefix(settings.get("lab_bridge_prefix") or "", lab_id)
    access = student_access(settings, lab_id)
    run_dir = os.path.join(settings["lab_captures_dir"], run_id)

    pairs = []
    generated = set()  # every generated message so far: none is given twice
    for index, entry in enumerate(entries, start=1):
        own = checked_messages(f"lab_roster pair {entry['name']}", entry.get("messages") or {}, scenarios, defined)
        if "server" in entry:
            pair = machine_pair(entry, index, settings, hosts)
        else:
            pair = docker_pair(entry, index, lab_id, settings, hosts, network, bridge_prefix)
        pair["students"] = roster_students(entry)
        pair["messages"], pair["messages_source"] = {}, {}
        for name, spec in scenarios.items():
            if own.get(name):
                messages, source = own[name], "pair"
            elif seed:
                messages, source = seeded_messages(seed, entry["name"], name, count, generated), "seed"
            elif class_messages.get(name):
                messages, source = class_messages[name], "class"
            else:
                messages, source = spec["messages"], "scenario"
            pair["messages"][name], pair["messages_source"][name] = list(messages), source
        pair["login"] = pair_login(entry, pair, access, scenarios, settings, hosts)
        pairs.append(pair)
    check_distinct_addresses(pairs, hosts)
    assign_waves(pairs)

    records = records or {}
    todo = {name: [p["name"] for p in pairs if records.get((p["name"], name)) != "ok"]
            for name in scenarios}
    return {
        "schema": PLAN_SCHEMA,
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
        "machines": run_machines(pairs, hosts, scenarios),
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
