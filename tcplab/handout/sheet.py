"""What each pair does, language-free: its facts, each scenario's steps, the files to hand in.

`sheet(plan, pair)` turns one pair's record of the plan into a `Sheet`; the renderers
(`markdown`, `html`) put it into words of a language.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..formats.capture import capture_filter
from ..formats.plan import handin_name

EXIT = "exit"  # the line that stops the lab's clients


@dataclass(frozen=True)
class Step:
    """One instruction: a sentence (its key and values) and the command to type, if any."""

    key: str
    values: dict[str, str]
    command: list[str] | None = None
    messages: list[str] | None = None  # the messages to type, in order


@dataclass(frozen=True)
class Login:
    """A pair's login (lab_student_access): how to log in, and how to copy the captures out."""

    user: str
    folder: str
    auth: str  # "key" or "password"
    password: str | None  # shown only when the teacher asks for it
    machines: list[tuple[str, str, list[str]]]  # (machine, what the pair does there, ssh argv)
    copy: list[list[str]]  # scp argv per file to hand in


@dataclass(frozen=True)
class Sheet:
    """One pair's hand-out, language-free: facts, then each scenario's steps, then the files."""

    pair: str
    facts: list[tuple[str, str, dict[str, str]]]  # label key, value key, values
    bridge_note: Step | None
    scenarios: list[tuple[str, int, list[Step]]]
    files: list[tuple[str, str]]  # (file to hand in, scenario)
    login: Login | None = None


def ssh_argv(user: str, grant: dict) -> list[str]:
    """How a student logs in to one machine of its login."""
    port = [] if grant["port"] == 22 else ["-p", str(grant["port"])]
    return ["ssh", *port, f"{user}@{grant['address']}"]


def scp_argv(user: str, grant: dict, file: str) -> list[str]:
    """How a student copies one file out of its folder on one machine, to its own computer."""
    port = [] if grant["port"] == 22 else ["-P", str(grant["port"])]
    return ["scp", *port, f"{user}@{grant['address']}:{file}", "."]


def login_of(pair: dict, files: list[str], password: str | None) -> Login | None:
    """The pair's login as the hand-out shows it, when the plan gives the pair one."""
    login = pair.get("login")
    if not login:
        return None
    capture = pair["capture"]["host"]
    machines = []
    for grant in login["hosts"]:
        does = ("handout.login_docker" if grant["containers"] else
                "handout.login_machine")
        machines.append((grant["host"], does, ssh_argv(login["user"], grant)))
    where = next((g for g in login["hosts"] if g["host"] == capture), login["hosts"][0])
    return Login(login["user"], login["folder"], login["auth"], password, machines,
                 [scp_argv(login["user"], where, file) for file in files])


def sheet(plan: dict, pair: dict, password: str | None = None) -> Sheet:
    """The steps of one pair of the plan (`password`: its login's, when the hand-out shows it)."""
    name = pair["name"]
    server, client, capture = pair["server"], pair["client"], pair["capture"]
    docker = pair["kind"] == "docker"
    user = (pair.get("login") or {}).get("user")
    logged = "_login" if user else ""  # the steps of a pair that works from its own login
    if docker:
        network = pair["network"]
        facts = [("handout.docker_host", "handout.plain_value", {"value": pair["docker_host"]}),
                 ("handout.server_container", "handout.address_value",
                  {"name": server["container"], "address": server["address"]}),
                 ("handout.client_container", "handout.address_value",
                  {"name": client["container"], "address": client["address"]}),
                 ("handout.bridge", "handout.bridge_value",
                  {"bridge": network["bridge"], "network": network["name"],
                   "subnet": network["subnet"]})]
        prefix = network["subnet"].rsplit("/", 1)[-1]
        bridge_note = Step("handout.find_bridge", {
            "command": "ip a", "bridge": network["bridge"],
            "address": f"{network['gateway']}/{prefix}"})
    else:
        facts = [("handout.server_machine", "handout.address_value",
                  {"name": server["machine"], "address": server["address"]}),
                 ("handout.client_machine", "handout.address_value",
                  {"name": client["machine"], "address": client["address"]}),
                 ("handout.capture_on", "handout.capture_value" if capture["interface"] else
                  "handout.capture_value_find",
                  {"host": capture["host"], "interface": capture["interface"],
                   "peer": capture["peer"]})]
        bridge_note = None
    remote = plan["remote_dir"].rstrip("/") or "/"
    sections = []
    files = []
    for scenario, spec in plan["scenarios"].items():
        port = str(spec["port"])
        pcap = handin_name(name, scenario, spec)
        files.append((pcap, scenario))
        server_argv = ["python3", f"{remote}/{spec['server']}", "--port", port]
        client_argv = ["python3", f"{remote}/{spec['client']}", "--host", server["address"],
                       "--port", port]
        if docker:
            bridge = pair["network"]["bridge"]
            who = {"user": user} if user else {}
            steps = [
                Step("handout.step_server_docker" + logged, who,
                     ["docker", "exec", "-it", server["container"], *server_argv]),
                Step("handout.step_capture_docker" + logged,
                     {"command": "ip a", "bridge": bridge, **who},
                     ["tcpdump", "-i", bridge, "-w", pcap]),
                Step("handout.step_client_docker" + logged, who,
                     ["docker", "exec", "-it", client["container"], *client_argv]),
            ]
        else:
            interface = capture["interface"] or "INTERFACE"
            tcpdump = ["tcpdump", "-i", interface, "-w", pcap,
                       capture_filter(pair, [spec["port"]])]  # one argument, quoted as one
            who = {"user": user} if user else {}
            capture_step = (
                Step("handout.step_capture_machine" + logged,
                     {"host": capture["host"], "interface": interface, **who}, tcpdump)
                if capture["interface"] else
                Step("handout.step_capture_machine_find" + logged,
                     {"host": capture["host"], "peer": capture["peer"],
                      "command": f"ip route get {capture['peer']}", "placeholder": interface,
                      **who},
                     tcpdump))
            steps = [
                Step("handout.step_server_machine" + logged,
                     {"machine": server["machine"], **who}, server_argv),
                capture_step,
                Step("handout.step_client_machine" + logged,
                     {"machine": client["machine"], **who}, client_argv),
            ]
        steps += [
            Step("handout.step_type", {}, messages=list(pair["messages"][scenario])),
            Step("handout.step_exit", {"exit": EXIT}),
            Step("handout.step_stop", {"keys": "Ctrl+C", "scenario": scenario, "file": pcap}),
        ]
        if spec.get("loss"):
            steps.append(loss_step(spec["loss"]))
        sections.append((scenario, spec["port"], steps))
    login = login_of(pair, [pcap for pcap, _ in files], password)
    return Sheet(name, facts, bridge_note, sections, files, login)


def loss_step(loss: dict) -> Step:
    """What to look for in a scenario that loses a segment (the plan's ``loss``), and that the
    drop is the lab's: it is in place while the lab's own run takes the capture."""
    side = "client" if loss["direction"] == "to_server" else "server"
    return Step(f"handout.step_loss_{side}", {
        "segment": ", ".join(str(n) for n in loss["segments"]),
        "flag": "[TCP Retransmission]", "filter": "tcp.analysis.retransmission"})
