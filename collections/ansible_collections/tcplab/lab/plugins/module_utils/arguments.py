"""The argument specs several of the lab's modules share: the plan's records they take (a pair, a
scenario, the run) and a capture's settings, each in this one place.

Their documentation is the doc fragments beside them: plugins/doc_fragments/records.py (pairs,
scenario, scenarios, run, login) and plugins/doc_fragments/capture.py (buffer_kib, snaplen,
settle); tests/test_module_docs.py checks every module's documented options against its spec.
The records are the plan's (DESIGN.md, "The plan"): Ansible checks their types, refuses a key the
plan does not have and gives a missing one as None. Paths are type str: taken as they are.
"""

from ansible_collections.tcplab.lab.plugins.module_utils.tcpdump import BUFFER_KIB, SETTLE, SNAPLEN


def _record(**fields):
    """A dict of the plan, each field a type (or a spec); None when the plan has none."""
    return {"type": "dict", "options": {name: spec if isinstance(spec, dict) else {"type": spec}
                                       for name, spec in fields.items()}}


def _records(**fields):
    spec = _record(**fields)
    spec.update(type="list", elements="dict")
    return spec


def _strings():
    return {"type": "list", "elements": "str"}


END = _record(host="str", container="str", machine="str", address="str")
LOGIN = _record(
    pair="str", user="str", folder="str", auth={"type": "str", "choices": ["key", "password"]}, keys=_strings(),
    hosts=_records(host="str", address="str", port="int", containers=_strings(),
                   capture=_record(interface="str", peer="str", filter="str"),
                   programs=_records(role={"type": "str", "choices": ["server", "client"]},
                                     path="str", port="int", server="str")))
PAIR = _records(
    name={"type": "str", "required": True}, index="int",
    kind={"type": "str", "choices": ["docker", "machines"]}, wave="int", docker_host="str",
    network=_record(name="str", subnet="str", gateway="str", bridge="str"),
    server=END, client=END,
    capture=_record(host="str", point="str", interface="str", peer="str", local="bool"),
    messages="dict", messages_source="dict", students=_records(name="str", id="str"), login=LOGIN)
SCENARIO = _record(
    name={"type": "str", "required": True}, port={"type": "int", "required": True}, server="str",
    client="str", reply_format="str", handin="str", messages=_strings(),
    loss=_record(direction={"type": "str", "choices": ["to_server", "to_client"]},
                 segments={"type": "list", "elements": "int"}))
SCENARIOS = dict(SCENARIO, type="list", elements="dict")
LOCK = _record(lab_id="str", run_id="str", controller="str", pid="int", live={"type": "list", "elements": "int"})
RUN = _record(lab_id="str", run_id="str", run_dir="str", spool="str", remote_dir="str")

# A capture's settings (modules capture and docker_exchange; the defaults are tcpdump.py's).
CAPTURE = {
    "settle": {"type": "float", "default": SETTLE},
    "buffer_kib": {"type": "int", "default": BUFFER_KIB},
    "snaplen": {"type": "int", "default": SNAPLEN},
}


def required(spec):
    return dict(spec, required=True)


def machine_step(**more):
    """One step of pairs on machines (capture, server, client): its pairs, the scenario, the run."""
    return dict({"pairs": required(PAIR), "scenario": required(SCENARIO), "run": required(RUN)}, **more)
