"""The collection's modules as ansible-doc shows them, and their documentation kept to their code.

`ansible-test sanity --test validate-modules` would compare the two, but it installs its own
requirements from the network; this does the comparison it would, with the installed ansible-core:
every module renders in ansible-doc (text and --json), has a short description, EXAMPLES that use
it and RETURN; every list names its elements; every dict whose keys are field names documents
them as suboptions; and the documented options (with the doc fragments) are exactly the argument
spec the code validates - the module's AnsibleModule, or for an action plugin its ARGUMENTS.
"""
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.tcplab.lab.plugins.module_utils import arguments, tcpdump

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "collections" / "ansible_collections" / "tcplab" / "lab"
BIN = Path(sys.executable).parent
MODULES = sorted(path.stem for path in (COLLECTION / "plugins" / "modules").glob("*.py"))
ACTIONS = {path.stem for path in (COLLECTION / "plugins" / "action").glob("*.py")}
# Dicts whose keys are data (names of scenarios, pairs, hosts, files, sentences), not fields: they
# have no suboptions to document.
MAPPINGS = {
    "accounts": {"text"},
    "docker_class": {"programs", "pairs.messages", "pairs.messages_source"},
    "docker_exchange": {"todo", "pairs.messages", "pairs.messages_source"},
    "capture": {"pairs.messages", "pairs.messages_source"},
    "server": {"pairs.messages", "pairs.messages_source"},
    "client": {"pairs.messages", "pairs.messages_source"},
    "loss": {"pairs.messages", "pairs.messages_source"},
    "record": {"scenarios", "todo", "archives", "pairs.messages", "pairs.messages_source"},
    "manifest": {"scenarios", "settings", "versions"},
    "logins": {"plan"},  # the whole plan, schema tcplab.plan/1 (tcplab/formats/plan.py)
    "handout": {"plan"},  # the same
    "programs": {"programs"},  # a program's path -> its text
}
OPTION_KEYS = {"description", "type", "elements", "required", "default", "choices", "suboptions", "no_log"}


def ansible_doc(*args):
    environment = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                       PATH=f"{BIN}:{os.environ['PATH']}")
    return subprocess.run([str(BIN / "ansible-doc"), *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def docs():
    done = ansible_doc("--json", "-t", "module", *[f"tcplab.lab.{name}" for name in MODULES])
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return json.loads(done.stdout)


class Spec(Exception):
    """What a module's main() passed to AnsibleModule."""


def argument_spec(name):
    """The argument spec the code validates: the action plugin's ARGUMENTS, or what the module's
    main() gives AnsibleModule (caught before it reads any argument)."""
    if name in ACTIONS:
        action = importlib.import_module(f"ansible_collections.tcplab.lab.plugins.action.{name}")
        return getattr(action.ActionModule, "ARGUMENTS", {})
    module = importlib.import_module(f"ansible_collections.tcplab.lab.plugins.modules.{name}")

    def capture(**kwargs):
        raise Spec(kwargs)

    original = module.AnsibleModule
    module.AnsibleModule = capture
    try:
        with pytest.raises(Spec) as caught:
            module.main()
    finally:
        module.AnsibleModule = original
    return caught.value.args[0]["argument_spec"]


def from_spec(spec):
    return {name: {"type": option.get("type", "str"), "required": bool(option.get("required")),
                   "default": option.get("default"), "choices": option.get("choices"),
                   "elements": option.get("elements"), "no_log": bool(option.get("no_log")),
                   "options": from_spec(option["options"]) if option.get("options") else None}
            for name, option in spec.items()}


def from_doc(options):
    return {name: {"type": option.get("type", "str"), "required": bool(option.get("required")),
                   "default": option.get("default"), "choices": option.get("choices"),
                   "elements": option.get("elements"), "no_log": bool(option.get("no_log")),
                   "options": from_doc(option["suboptions"]) if option.get("suboptions") else None}
            for name, option in options.items()}


def walk(options, path=""):
    for name, option in options.items():
        yield path + name, option
        yield from walk(option.get("suboptions") or {}, f"{path}{name}.")


@pytest.mark.parametrize("name", MODULES)
def test_a_module_reads_well_in_ansible_doc(name, docs):
    shown = ansible_doc("-t", "module", f"tcplab.lab.{name}")
    assert shown.returncode == 0 and not shown.stderr.strip(), shown.stderr
    assert "EXAMPLES:" in shown.stdout and "RETURN VALUES:" in shown.stdout
    entry = docs[f"tcplab.lab.{name}"]
    doc = entry["doc"]
    assert 10 <= len(doc["short_description"]) <= 100 and not doc["short_description"].endswith(".")
    assert doc["description"] and doc["author"]
    tasks = yaml.safe_load(entry["examples"])
    assert tasks and all(isinstance(task, dict) and task.get("name") for task in tasks)
    assert any(f"tcplab.lab.{name}" in task for task in tasks), "no example calls the module"
    assert entry["return"], "no RETURN"
    for path, option in walk(doc.get("options") or {}):
        assert option.get("description"), f"{path}: no description"
        # A key of its own is a description cut at a comma by YAML's flow style, or a typo.
        assert set(option) <= OPTION_KEYS, f"{path}: {sorted(set(option) - OPTION_KEYS)}"
        if option.get("type") == "list":
            assert option.get("elements"), f"{path}: a list without elements"
        if option.get("type") == "dict" or option.get("elements") == "dict":
            assert option.get("suboptions") or path in MAPPINGS.get(name, ()), f"{path}: a dict without suboptions"
        else:
            assert not option.get("suboptions"), f"{path}: suboptions on a {option.get('type')}"


@pytest.mark.parametrize("name", MODULES)
def test_the_documented_options_are_the_argument_spec(name, docs):
    documented = from_doc(docs[f"tcplab.lab.{name}"]["doc"].get("options") or {})
    assert documented == from_spec(argument_spec(name))


def test_the_mappings_named_here_are_documented_dicts(docs):
    """The exceptions above name options that exist, are dicts and have no suboptions."""
    for name, paths in MAPPINGS.items():
        options = dict(walk(docs[f"tcplab.lab.{name}"]["doc"]["options"]))
        for path in paths:
            assert options[path]["type"] == "dict" and not options[path].get("suboptions"), (name, path)


def test_the_shared_records_are_one_spec():
    """capture, server, client, loss, docker_exchange and record validate the plan's pair with one spec,
    and the capture settings' defaults are tcpdump.py's."""
    for name in ("capture", "server", "client", "loss", "docker_exchange", "record", "docker_class"):
        assert from_spec(argument_spec(name))["pairs"]["options"] == from_spec(arguments.PAIR["options"]), name
    for name in ("capture", "docker_exchange"):
        spec = argument_spec(name)
        assert {key: spec[key] for key in arguments.CAPTURE} == arguments.CAPTURE, name
    assert (arguments.CAPTURE["buffer_kib"]["default"], arguments.CAPTURE["snaplen"]["default"],
            arguments.CAPTURE["settle"]["default"]) == (tcpdump.BUFFER_KIB, tcpdump.SNAPLEN, tcpdump.SETTLE) \
        == (8192, 65600, 0.5)


def fields(value, spec=None):
    """The field paths of a record (lists of records: the union of their elements'), or of a spec."""
    found = set()
    items = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, inner in item.items():
            found.add(key)
            found |= {f"{key}.{path}" for path in fields(inner)}
    return found


def spec_fields(options):
    return {path for name, option in options.items()
            for path in [name, *(f"{name}.{inner}" for inner in spec_fields(option.get("options") or {}))]}


def test_the_record_specs_name_every_field_the_plan_gives_and_nothing_else():
    """Ansible refuses a key a spec does not name, so every field of a planned pair (Docker pairs
    and a pair on machines, with logins), of a scenario (one that loses a segment too) and of the
    run is in the specs; and the specs name no field the plan never gives. The planned records
    pass Ansible's own validation unchanged."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    from tcplab.planning import build_plan
    scenarios = yaml.safe_load((COLLECTION / "roles/lab_plan/defaults/main/scenarios.yml").read_text())
    hosts = {"localhost": {"ansible_connection": "local"}, "vm01": {"ansible_host": "192.0.2.11"},
             "vm02": {"ansible_host": "192.0.2.12"}, "hv": {"ansible_host": "192.0.2.1"}}
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ani@laptop"
    settings = {"lab_id": "tcplab", "lab_run_id": "r1", "lab_class_size": 0,
                "lab_roster": [{"name": "ani-budi", "ssh_keys": [key], "students": ["Ani"]}, {"name": "citra"},
                               {"name": "vm-pair", "server": "vm01", "client": "vm02"}],
                "lab_run_scenarios": ["reqresp", "upcall"], "lab_scenarios": scenarios["lab_scenarios"],
                "lab_messages": {}, "lab_captures_dir": "/c", "lab_programs_dir": "", "lab_image_name": "img",
                "lab_network_pool": "10.213.0.0/16", "lab_network_prefix": 24, "lab_capture_host": "hv",
                "lab_remote_dir": "/opt/tcplab", "lab_spool": "/var/tmp/tcplab", "lab_student_access": True,
                "controller_address": "lab-pc-1"}
    plan = build_plan(settings, {"hosts": hosts})
    # A scenario that loses a segment runs on containers only.
    lossy = build_plan(dict(settings, lab_roster=settings["lab_roster"][:2], lab_run_scenarios=["reqresp-loss"]),
                       {"hosts": hosts})
    assert {pair["kind"] for pair in plan["pairs"]} == {"docker", "machines"}
    run = {key: plan[key] for key in ("lab_id", "run_id", "run_dir", "spool", "remote_dir")}
    records = {"pairs": plan["pairs"] + lossy["pairs"],
               "scenarios": list(plan["scenarios"].values()) + list(lossy["scenarios"].values()), "run": run}
    specs = {"pairs": arguments.PAIR, "scenarios": arguments.SCENARIOS, "run": arguments.RUN}
    mappings = {"messages", "messages_source"}  # their keys are scenario names
    for name, spec in specs.items():
        given = {path for path in fields(records[name]) if path.split(".")[0] not in mappings
                 or "." not in path}
        assert given == spec_fields(spec["options"]), name
    validated = ArgumentSpecValidator(specs).validate(json.loads(json.dumps(records)))
    assert validated.error_messages == []
    logins = [pair["login"] for pair in records["pairs"]]
    assert fields(logins) == spec_fields(arguments.LOGIN["options"])
    for pair, checked in zip(records["pairs"], validated.validated_parameters["pairs"]):
        assert {k: v for k, v in checked.items() if k != "login"} == {k: v for k, v in pair.items() if k != "login"}
        # A login's server program gains "server": null (only a client program names its server).
        for grant, seen in zip(pair["login"]["hosts"], checked["login"]["hosts"]):
            for program, shown in zip(grant["programs"], seen["programs"]):
                assert shown == dict({"server": None}, **program)
    assert validated.validated_parameters["run"] == run


def test_role_lab_exchange_passes_the_modules_defaults():
    """The role's defaults and its argument_specs give each module option the role sets from a
    lab_exchange_* variable the module's own default."""
    role = COLLECTION / "roles" / "lab_exchange"
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text())
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    checked = set()
    for tasks in ("main.yml", "machines.yml"):
        for task in yaml.safe_load((role / "tasks" / tasks).read_text()):
            module = next((key for key in task if key.startswith("tcplab.lab.")), None)
            if module is None or module == "tcplab.lab.record":
                continue
            spec = argument_spec(module.split(".")[-1])
            for option, value in task[module].items():
                variable = value.strip("{} ") if isinstance(value, str) else ""
                if not variable.startswith("lab_exchange_"):
                    continue
                wanted = spec[option]["default"]
                assert defaults[variable] == wanted, (module, option, variable)
                assert specs[variable]["default"] == wanted, (module, option, variable)
                assert specs[variable]["type"] == spec[option]["type"], (module, option, variable)
                checked.add(variable)
    assert {"lab_exchange_capture_buffer_kib", "lab_exchange_capture_snaplen", "lab_exchange_capture_settle",
            "lab_exchange_capture_timeout", "lab_exchange_parallel"} <= checked
