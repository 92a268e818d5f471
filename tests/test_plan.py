"""The plan: the whole class worked out and checked before anything runs (pure Python, no Ansible)."""
import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.tcplab.lab.plugins.module_utils.plan import capture_filter, capture_paths
from tcplab.formats import capture
from tcplab.planning import ADJECTIVES, MAX_MESSAGE_BYTES, NOUNS, PlanError, build_plan, seeded_message

SCENARIOS = {
    "reqresp": {"port": 2222, "server": "reqresp/server.py", "client": "reqresp/client.py",
                "reply_format": "{message}", "messages": ["hello"]},
    "upcall": {"port": 4141, "server": "upcall/server.py", "client": "upcall/client.py",
               "reply_format": "Upcall event: Processing {message}", "messages": ["1"]},
}
ROOT = Path(__file__).resolve().parent.parent
CONTROLLER = {"localhost": {"ansible_connection": "local"}}
MACHINES = {"vm01": {"ansible_host": "192.0.2.11"}, "vm02": {"ansible_host": "192.0.2.12"},
            "vm03": {"ansible_host": "192.0.2.13", "lab_address": "10.0.0.13"},
            "hv": {"ansible_host": "192.0.2.1"}}


def settings(**changes):
    base = {"lab_id": "tcplab", "lab_run_id": "r1", "lab_class_size": 2, "lab_roster": [],
            "lab_run_scenarios": ["reqresp", "upcall"], "lab_scenarios": SCENARIOS, "lab_messages": {},
            "lab_captures_dir": "/c", "lab_programs_dir": "", "lab_docker_host": "localhost",
            "lab_image_name": "img", "lab_network_pool": "10.213.0.0/16", "lab_network_prefix": 24,
            "lab_bridge_prefix": "", "lab_capture_point": "bridge", "lab_capture_host": "",
            "lab_capture_interface": "", "lab_remote_dir": "/opt/tcplab", "lab_spool": "/var/tmp/tcplab"}
    base.update(changes)
    return base


def plan(hosts=None, records=None, **changes):
    return build_plan(settings(**changes), {"hosts": {**CONTROLLER, **(hosts or {})}}, records)


def error(**changes):
    with pytest.raises(PlanError) as raised:
        plan(hosts=MACHINES, **changes)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_class_of_two_is_worked_out_completely():
    result = plan()
    first = result["pairs"][0]
    assert [p["name"] for p in result["pairs"]] == ["p01", "p02"]
    assert first["network"] == {"name": "tcplab-p01", "subnet": "10.213.1.0/24", "gateway": "10.213.1.1",
                                "bridge": "tcplab-001"}
    assert first["server"] == {"host": "tcplab-p01-server", "container": "tcplab-p01-server",
                               "machine": "localhost", "address": "10.213.1.2"}
    assert first["client"]["address"] == "10.213.1.3"
    assert first["capture"] == {"host": "localhost", "point": "bridge", "interface": "tcplab-001",
                                "peer": "10.213.1.2", "local": True}
    assert first["messages"] == {"reqresp": ["hello"], "upcall": ["1"]}
    assert result["docker_hosts"] == ["localhost"]
    assert result["machines"] == {"localhost": {"docker": True, "serves": False, "clients": False,
                                                "captures": True, "drops": [], "local": True}}
    assert result["todo"] == {"reqresp": ["p01", "p02"], "upcall": ["p01", "p02"]}
    assert result["run_dir"] == "/c/r1"
    json.dumps(result)  # plain data all the way down


def test_values_given_as_strings_on_the_command_line_are_taken_when_clear():
    result = plan(lab_class_size="30", lab_network_prefix="24", lab_run_scenarios="upcall")
    assert len(result["pairs"]) == 30 and list(result["scenarios"]) == ["upcall"]
    assert result["pairs"][29]["network"]["subnet"] == "10.213.30.0/24"


def test_messages_stay_literal_text():
    odd = ["{{ 7*7 }}", "{{ lookup('pipe', 'touch /tmp/x') }}", "$(id)", "héllo ✓"]
    result = plan(lab_messages={"reqresp": odd})
    assert result["pairs"][0]["messages"]["reqresp"] == odd


def test_own_messages_beat_class_messages_which_beat_the_scenarios():
    result = plan(lab_roster=[{"name": "ani", "messages": {"upcall": ["a"]}}, {"name": "budi"}],
                  lab_messages={"upcall": ["class"]})
    assert [p["messages"]["upcall"] for p in result["pairs"]] == [["a"], ["class"]]
    assert result["pairs"][1]["messages"]["reqresp"] == ["hello"]


@pytest.mark.parametrize("changes,expected", [
    ({"lab_class_size": "thirty"}, "lab_class_size 'thirty': give 1 to 250 pairs"),
    ({"lab_class_size": 0}, "lab_class_size 0: give 1 to 250 pairs"),
    ({"lab_id": "Tcp Lab"}, "lab_id 'Tcp Lab': use 1 to 40 lower-case letters"),
    ({"lab_run_scenarios": ["reqresp", "pubsub"]}, "lab_run_scenarios ['reqresp', 'pubsub']: each must be one of"),
    ({"lab_messages": {"upcall": [1, 2]}}, "Messages of lab_messages: {'upcall': [1, 2]} must map scenarios"),
    ({"lab_messages": {"upcal": ["x"]}}, "Messages of lab_messages: {'upcal': ['x']} must map scenarios"),
    ({"lab_messages": {"upcall": []}}, "Messages of lab_messages: {'upcall': []} must map"),
    ({"lab_roster": [{"name": "Ani Budi"}]}, "Pair name 'Ani Budi': use a unique name"),
    ({"lab_roster": [{"name": "a"}, {"name": "a"}]}, "Pair name 'a': use a unique name"),
    ({"lab_roster": [{"name": "vm01"}]}, "Pair name 'vm01'"),
    ({"lab_roster": [{"name": "handout"}]}, "Pair name 'handout': the run folder has a folder handout/ of its own"),
    ({"lab_roster": [{"name": "ladders"}]}, "Pair name 'ladders': the run folder has a folder ladders/"),
    ({"lab_roster": [{"name": "a", "sever": "vm01"}]}, "Pair 'a': unknown setting 'sever'"),
    ({"lab_roster": [{"name": "a", "docker_host": "pc9"}]}, "Pair 'a': docker_host 'pc9' is not an inventory host"),
    ({"lab_roster": [{"name": "a", "server": "vm01", "client": "vm9"}]},
     "Pair 'a': server 'vm01' and client 'vm9' must both be inventory hosts"),
    ({"lab_roster": [{"name": "a", "server": "vm01", "client": "vm02"}]},
     "Pair 'a': capture 'bridge' on '' - use capture: bridge with lab_capture_host"),
    ({"lab_network_pool": "10.213.0.0/30"}, "lab_network_prefix 24: give a prefix length from 30"),
    ({"lab_network_pool": "10.213.0.0/23"}, "lab_network_pool 10.213.0.0/23 with lab_network_prefix 24 has no subnet number 2"),
    ({"lab_network_pool": "banana"}, "lab_network_pool 'banana': give an IPv4 network"),
    ({"lab_bridge_prefix": "Br_"}, "lab_bridge_prefix 'Br_': use 1 to 12"),
    ({"lab_run_id": "../x"}, "lab_run_id '../x': use a folder-safe name"),
    ({"lab_messages_count": 0}, "lab_messages_count 0: give 1 to 20 generated messages per scenario."),
    ({"lab_messages_count": "21"}, "lab_messages_count 21: give 1 to 20"),
    ({"lab_messages_count": "three"}, "lab_messages_count 'three': give 1 to 20"),
    ({"lab_messages_count": True}, "lab_messages_count True: give 1 to 20"),
    ({"lab_messages_seed": 20261122}, "lab_messages_seed (int value, not shown): write the seed as a quoted string"),
])
def test_a_bad_setting_is_one_line_naming_it(changes, expected):
    assert error(**changes).startswith(expected)


def test_a_message_longer_than_the_programs_take_is_refused_up_front():
    assert len(plan(lab_messages={"reqresp": ["é" * (MAX_MESSAGE_BYTES // 2)]})["pairs"]) == 2
    message = error(lab_messages={"reqresp": ["é" * (MAX_MESSAGE_BYTES // 2) + "x"]})
    assert message.startswith("Messages of lab_messages: the message 'éééé")
    assert f"is {MAX_MESSAGE_BYTES + 1} bytes; a message may be at most {MAX_MESSAGE_BYTES} bytes" in message


@pytest.mark.parametrize("message", ["two\nlines", "carriage\rreturn"])
def test_a_message_with_a_line_break_is_refused_up_front(message):
    assert error(lab_roster=[{"name": "ani", "messages": {"upcall": ["ok", message]}}]).startswith(
        f"Messages of lab_roster pair ani: the message {message!r} has a line break in it")


def test_the_report_speaks_a_language_it_has_a_file_for():
    assert plan(lab_report_language="id", report_languages=["en", "id"])["report_language"] == "id"
    assert error(lab_report_language="fr", report_languages=["en", "id"]) == (
        "lab_report_language 'fr': the report speaks ['en', 'id'] (a language is one file in tcplab/lang/).")


def test_a_scenario_whose_program_is_missing_is_named(tmp_path):
    (tmp_path / "reqresp").mkdir()
    (tmp_path / "reqresp" / "server.py").write_text("")
    message = error(lab_programs_dir=str(tmp_path), lab_run_scenarios=["reqresp"])
    assert message.startswith(f"lab_scenarios.reqresp.client 'reqresp/client.py': there is no such program in {tmp_path}")


def test_pairs_on_machines_get_their_capture_points():
    roster = [{"name": "a", "server": "vm01", "client": "vm02", "capture": "bridge"},
              {"name": "b", "server": "vm03", "client": "vm01", "capture": "server"},
              {"name": "c", "server": "vm02", "client": "vm02"}]
    pairs = {p["name"]: p for p in plan(hosts=MACHINES, lab_roster=roster, lab_capture_host="hv")["pairs"]}
    assert pairs["a"]["capture"] == {"host": "hv", "point": "bridge", "interface": "", "peer": "192.0.2.11",
                                     "local": False}
    assert pairs["b"]["capture"] == {"host": "vm03", "point": "server", "interface": "", "peer": "192.0.2.11",
                                     "local": False}
    assert pairs["b"]["server"]["address"] == "10.0.0.13"  # lab_address wins over ansible_host
    assert pairs["c"]["capture"] == {"host": "vm02", "point": "loopback", "interface": "lo",
                                     "peer": "192.0.2.12", "local": False}
    assert capture_filter(pairs["a"], 2222) == (
        "tcp and host 192.0.2.12 and ((src host 192.0.2.11 and src port 2222) or "
        "(dst host 192.0.2.11 and dst port 2222))")


def test_the_python_side_captures_a_pair_as_the_capture_hosts_do():
    """make watch and the logins' grants (tcplab.formats.capture) filter a pair's traffic and cut
    frames as the collection's capture code that ships to the capture hosts does."""
    pair = plan(hosts=MACHINES, lab_roster=[{"name": "a", "server": "vm01", "client": "vm02"}],
                lab_capture_point="server")["pairs"][0]
    assert capture.capture_filter(pair, [2222]) == capture_filter(pair, 2222)
    assert capture.capture_filter(pair, [2222, 4141]) == (
        "tcp and host 192.0.2.12 and ((src host 192.0.2.11 and (src port 2222 or src port 4141)) or "
        "(dst host 192.0.2.11 and (dst port 2222 or dst port 4141)))")
    # The capturing modules' default is tcpdump.py's (tests/test_module_docs.py checks their specs).
    from ansible_collections.tcplab.lab.plugins.module_utils import tcpdump
    assert tcpdump.SNAPLEN == capture.SNAPLEN


def test_a_lab_wide_capture_interface_reaches_every_pair_unless_a_pair_names_its_own():
    roster = [{"name": "a", "server": "vm01", "client": "vm02"},
              {"name": "b", "server": "vm03", "client": "vm02", "capture_interface": "eth1"}]
    pairs = plan(hosts=MACHINES, lab_roster=roster, lab_capture_host="hv", lab_capture_interface="virbr0")["pairs"]
    assert [p["capture"]["interface"] for p in pairs] == ["virbr0", "eth1"]


def test_pairs_that_share_a_server_machine_take_turns():
    roster = [{"name": "a", "server": "vm01", "client": "vm02"}, {"name": "b", "server": "vm01", "client": "vm03"},
              {"name": "c", "server": "vm02", "client": "vm02"}, {"name": "d", "server": "vm01", "client": "vm01"}]
    result = plan(hosts=MACHINES, lab_roster=roster, lab_capture_host="hv")
    assert [p["wave"] for p in result["pairs"]] == [1, 2, 1, 3]
    assert result["waves"] == 3
    assert result["machines"]["vm01"] == {"docker": False, "serves": True, "clients": True, "captures": True,
                                          "drops": [], "local": False}


def test_a_rerun_plans_only_the_captures_still_missing():
    result = plan(records={("p01", "reqresp"): "ok", ("p02", "reqresp"): "failed", ("p01", "upcall"): "ok"})
    assert result["todo"] == {"reqresp": ["p02"], "upcall": ["p02"]}


def test_bridge_names_fit_an_interface_name_and_differ_between_labs():
    long_ids = ["tcplab-molecule", "tcplab-pytest", "tcplab-bench"]
    bridges = [plan(lab_id=lab_id, lab_class_size=250, lab_network_pool="10.0.0.0/8")["pairs"][-1]["network"]["bridge"]
               for lab_id in long_ids]
    assert all(len(b) <= 15 for b in bridges) and len(set(bridges)) == 3
    assert plan(lab_bridge_prefix="kelas-a-")["pairs"][1]["network"]["bridge"] == "kelas-a-002"


def test_pcaps_land_in_the_run_folder_when_the_controller_captures():
    result = plan(hosts=MACHINES, lab_roster=[{"name": "a"}, {"name": "b", "server": "vm01", "client": "vm01"}])
    local, remote = result["pairs"]
    assert capture_paths(result, local, "reqresp") == ("/c/r1/a/reqresp.pcap", "/var/tmp/tcplab/tcplab/r1/a/reqresp")
    assert capture_paths(result, remote, "reqresp") == ("/var/tmp/tcplab/tcplab/r1/b/reqresp.pcap",
                                                        "/var/tmp/tcplab/tcplab/r1/b/reqresp")


# --- messages of their own, from the teacher's seed ------------------------------------------

SEED = "kelas-a rahasia 2026"
GENERATED = re.compile(r"^([a-z]+) ([a-z]+) ([1-9][0-9]{3})$")


def test_without_a_seed_nothing_is_generated():
    result = plan()
    assert result["messages_seeded"] is False
    assert [p["messages_source"] for p in result["pairs"]] == [{"reqresp": "scenario", "upcall": "scenario"}] * 2


def test_a_seed_gives_every_pair_readable_messages_of_its_own():
    result = plan(lab_messages_seed=SEED)
    assert result["messages_seeded"] is True
    for pair in result["pairs"]:
        assert pair["messages_source"] == {"reqresp": "seed", "upcall": "seed"}
        for scenario, messages in pair["messages"].items():
            assert len(messages) == 3
            for index, message in enumerate(messages, start=1):
                noun, adjective, _number = GENERATED.match(message).groups()
                assert noun in NOUNS and adjective in ADJECTIVES
                assert message == seeded_message(SEED, pair["name"], scenario, index)
    lists = [tuple(m) for p in result["pairs"] for m in p["messages"].values()]
    assert len(set(lists)) == 4  # two pairs x two scenarios, all different


def test_generated_messages_are_the_documented_hmac_of_seed_pair_scenario_and_index():
    digest = hmac.new(SEED.encode(), b'["ani-budi","upcall",2]', hashlib.sha256).digest()
    noun = NOUNS[int.from_bytes(digest[0:4], "big") % 128]
    adjective = ADJECTIVES[int.from_bytes(digest[4:8], "big") % 64]
    number = 1000 + int.from_bytes(digest[8:12], "big") % 9000
    assert seeded_message(SEED, "ani-budi", "upcall", 2) == f"{noun} {adjective} {number}"
    assert len(NOUNS) == len(set(NOUNS)) == 128 and len(ADJECTIVES) == len(set(ADJECTIVES)) == 64


def test_generated_messages_are_reproducible_and_differ_with_the_seed():
    roster = [{"name": "ani-budi"}, {"name": "citra-dewi"}]
    first = plan(lab_messages_seed=SEED, lab_roster=roster)
    again = plan(lab_messages_seed=SEED, lab_roster=roster, lab_run_id="r2")
    other = plan(lab_messages_seed=SEED + ".", lab_roster=roster)
    messages = [[p["messages"] for p in result["pairs"]] for result in (first, again, other)]
    assert messages[0] == messages[1]
    assert not {m for p in messages[0] for ms in p.values() for m in ms} & \
        {m for p in messages[2] for ms in p.values() for m in ms}
    # a pair's messages do not depend on the pairs after it, nor on the class size
    small = plan(lab_messages_seed=SEED, lab_class_size=5)["pairs"][4]["messages"]
    large = plan(lab_messages_seed=SEED, lab_class_size=250)["pairs"][4]["messages"]
    assert small == large


def test_the_seed_is_never_in_the_plan():
    result = plan(lab_messages_seed=SEED)
    text = json.dumps(result, ensure_ascii=False)
    assert SEED not in text and "rahasia" not in text
    assert "lab_messages_seed" not in text


def test_own_messages_beat_generated_ones_which_beat_class_and_scenario_messages():
    roster = [{"name": "ani", "messages": {"upcall": ["a"]}}, {"name": "budi"}]
    result = plan(lab_roster=roster, lab_messages={"upcall": ["class"]}, lab_messages_seed=SEED,
                  lab_messages_count="2")
    ani, budi = result["pairs"]
    assert ani["messages"]["upcall"] == ["a"] and ani["messages_source"]["upcall"] == "pair"
    assert ani["messages_source"]["reqresp"] == budi["messages_source"]["upcall"] == "seed"
    assert ani["messages"]["reqresp"] == [seeded_message(SEED, "ani", "reqresp", i) for i in (1, 2)]
    assert [p["messages_source"] for p in plan(lab_roster=roster, lab_messages={"upcall": ["class"]})["pairs"]] \
        == [{"reqresp": "scenario", "upcall": "pair"}, {"reqresp": "scenario", "upcall": "class"}]


@pytest.mark.parametrize("count", [3, 20])
def test_every_generated_message_of_250_pairs_is_distinct(count):
    result = plan(lab_messages_seed=SEED, lab_class_size=250, lab_messages_count=count)
    messages = [m for p in result["pairs"] for ms in p["messages"].values() for m in ms]
    assert len(messages) == 250 * 2 * count
    assert len(set(messages)) == len(messages)
    assert all(GENERATED.match(m) and len(m.encode()) <= MAX_MESSAGE_BYTES for m in messages)


def test_a_message_already_given_is_derived_again():
    """Two pairs whose first derivation collides: the later one takes the next attempt."""
    seen = {}
    pair_a = pair_b = None
    for number in range(1, 20000):  # 73.7 million messages: a collision is among ~12000 pairs
        message = seeded_message("s", f"p{number}", "reqresp", 1)
        if message in seen:
            pair_a, pair_b = seen[message], f"p{number}"
            break
        seen[message] = f"p{number}"
    assert pair_b is not None
    result = plan(lab_messages_seed="s", lab_messages_count=1, lab_run_scenarios=["reqresp"],
                  lab_roster=[{"name": pair_a}, {"name": pair_b}])
    first, second = (p["messages"]["reqresp"][0] for p in result["pairs"])
    assert first == seeded_message("s", pair_a, "reqresp", 1)
    assert second == seeded_message("s", pair_b, "reqresp", 1, attempt=1) != first


LOSSY = {**SCENARIOS, "reqresp-loss": {**SCENARIOS["reqresp"], "port": 2223,
                                       "loss": {"direction": "to_server", "segments": [2]}}}


def test_a_loss_scenario_carries_its_loss_in_the_plan_and_others_carry_none():
    result = plan(lab_scenarios=LOSSY, lab_run_scenarios="reqresp,reqresp-loss")
    assert result["scenarios"]["reqresp-loss"]["loss"] == {"direction": "to_server", "segments": [2]}
    assert result["scenarios"]["reqresp-loss"]["port"] == 2223
    assert "loss" not in result["scenarios"]["reqresp"]
    lossy = plan(lab_scenarios={"x": {**SCENARIOS["reqresp"], "loss": {
        "direction": "to_client", "segments": [3, 1]}}}, lab_run_scenarios=["x"])
    assert lossy["scenarios"]["x"]["loss"] == {"direction": "to_client", "segments": [1, 3]}


def test_the_shipped_loss_scenario_is_off_unless_listed():
    root = Path(__file__).resolve().parent.parent
    defaults_dir = root / "collections/ansible_collections/tcplab/lab/roles/lab_plan/defaults/main"
    shipped = yaml.safe_load((defaults_dir / "scenarios.yml").read_text())
    defaults = yaml.safe_load((root / "inventory/common/group_vars/all/lab.yml").read_text())
    assert "reqresp-loss" not in defaults["lab_run_scenarios"]
    spec = shipped["lab_scenarios"]["reqresp-loss"]
    ports = {name: s["port"] for name, s in shipped["lab_scenarios"].items()}
    assert list(ports.values()).count(spec["port"]) == 1  # its captures are told apart by port
    result = plan(lab_scenarios=shipped["lab_scenarios"], lab_run_scenarios="reqresp,reqresp-loss")
    assert result["scenarios"]["reqresp-loss"]["loss"] == {"direction": "to_server", "segments": [2]}


@pytest.mark.parametrize("loss, named", [
    ("drop 2", "loss 'drop 2'"),
    ({"direction": "to_server"}, "loss {'direction': 'to_server'}"),
    ({"direction": "sideways", "segments": [2]}, "loss.direction 'sideways'"),
    ({"direction": "to_server", "segments": [2], "times": 2}, "loss {"),
    ({"direction": "to_server", "segments": 2}, "loss.segments 2"),
    ({"direction": "to_server", "segments": []}, "loss.segments []"),
    ({"direction": "to_server", "segments": [0]}, "loss.segments [0]"),
    ({"direction": "to_server", "segments": [21]}, "loss.segments [21]"),
    ({"direction": "to_server", "segments": ["2"]}, "loss.segments ['2']"),
    ({"direction": "to_server", "segments": [True]}, "loss.segments [True]"),
    ({"direction": "to_server", "segments": [2, 2]}, "loss.segments [2, 2]"),
])
def test_a_bad_loss_is_one_line_naming_it_and_the_right_form(loss, named):
    scenarios = {**SCENARIOS, "lossy": {**SCENARIOS["reqresp"], "port": 2223, "loss": loss}}
    message = error(lab_scenarios=scenarios, lab_run_scenarios=["reqresp", "lossy"])
    assert f"lab_scenarios.lossy.{named}" in message
    assert "{direction: to_server or to_client, segments: [2]}" in message


def test_a_bad_loss_of_a_scenario_that_does_not_run_stops_nothing():
    scenarios = {**SCENARIOS, "lossy": {**SCENARIOS["reqresp"], "loss": "drop 2"}}
    assert "lossy" not in plan(lab_scenarios=scenarios)["scenarios"]


def test_a_loss_scenario_on_machines_is_dropped_by_each_pairs_receiver():
    """to_server: the pair's server machine drops; to_client: its client machine; Docker hosts and
    machines of no lossy pair drop nothing, and a scenario without loss names no machine."""
    roster = [{"name": "ani-budi", "server": "vm01", "client": "vm02", "capture": "server"},
              {"name": "citra", "server": "vm03", "client": "vm03"}, {"name": "dewi"}]
    lossy = {**LOSSY, "back": {**SCENARIOS["upcall"], "port": 4142,
                               "loss": {"direction": "to_client", "segments": [1]}}}
    result = plan(hosts=MACHINES, lab_scenarios=lossy,
                  lab_run_scenarios=["reqresp", "reqresp-loss", "back"], lab_roster=roster)
    drops = {host: machine["drops"] for host, machine in result["machines"].items()}
    assert drops == {"vm01": ["reqresp-loss"], "vm02": ["back"], "vm03": ["reqresp-loss", "back"],
                     "localhost": []}
    result = plan(hosts=MACHINES, lab_scenarios=lossy, lab_run_scenarios=["reqresp"],
                  lab_roster=roster)
    assert all(machine["drops"] == [] for machine in result["machines"].values())


FORWARDED = {"pc1": {"ansible_host": "127.0.0.1", "ansible_port": 2201},
             "pc2": {"ansible_host": "127.0.0.1", "ansible_port": 2202},
             "pc3": {"ansible_host": "127.0.0.1", "ansible_port": 2203}}


def test_two_machines_with_one_lab_address_are_refused_naming_both():
    roster = [{"name": "p01", "server": "pc1", "client": "pc1"}, {"name": "p03", "server": "pc2", "client": "pc2"}]
    with pytest.raises(PlanError) as raised:
        plan(hosts=FORWARDED, lab_roster=roster)
    assert str(raised.value) == ("Machines pc1 and pc2 both have the lab address 127.0.0.1: give each its own "
                                 "lab_address in the inventory (the address the other machines reach it by).")
    hosts = {"pc1": {**FORWARDED["pc1"], "lab_address": "10.0.0.1"},
             "pc2": {**FORWARDED["pc2"], "lab_address": "10.0.0.2"}}
    assert [p["server"]["address"] for p in plan(hosts=hosts, lab_roster=roster)["pairs"]] == ["10.0.0.1", "10.0.0.2"]


def test_a_loopback_address_for_a_pair_across_two_machines_is_refused():
    hosts = {"pc1": FORWARDED["pc1"], "pc2": {**FORWARDED["pc2"], "lab_address": "10.0.0.2"}}
    with pytest.raises(PlanError) as raised:
        plan(hosts=hosts, lab_roster=[{"name": "p01", "server": "pc2", "client": "pc1", "capture": "server"}])
    assert str(raised.value) == (
        "Pair 'p01': pc1 has the address 127.0.0.1, a loopback address, but the pair's server (pc2) and client "
        "(pc1) are two machines: set lab_address of pc1 in the inventory to the address the other machines "
        "reach it by.")
    # On one machine, loopback is where the pair's traffic goes anyway.
    assert plan(hosts=hosts, lab_roster=[{"name": "p01", "server": "pc1", "client": "pc1"}])["pairs"][0][
        "capture"]["point"] == "loopback"


def test_a_run_id_whose_plan_is_of_another_lab_or_roster_is_refused():
    from tcplab.planning import check_same_class
    hosts = {**MACHINES}
    machines = plan(hosts=hosts, lab_id="vmclass", lab_run_id="r7", lab_capture_host="hv",
                    lab_roster=[{"name": "p01", "server": "vm01", "client": "vm02"}])
    docker = plan(lab_run_id="r7")
    check_same_class(machines, machines)  # a re-run of the same class
    check_same_class(None, docker)  # a new run
    with pytest.raises(PlanError) as raised:
        check_same_class(machines, docker)
    assert str(raised.value) == ("Run r7 is of lab 'vmclass', this one is lab 'tcplab' (another inventory?): "
                                 "leave lab_run_id empty for a new run (or give a new run id).")
    with pytest.raises(PlanError) as raised:
        check_same_class(docker, plan(lab_run_id="r7", lab_class_size=3))
    assert str(raised.value) == ("Run r7 has another roster: this one has pairs p03 it has not: leave "
                                 "lab_run_id empty for a new run (or give a new run id).")
    moved = plan(hosts=hosts, lab_id="vmclass", lab_run_id="r7", lab_capture_host="hv",
                 lab_roster=[{"name": "p01", "server": "vm01", "client": "vm03"}])
    with pytest.raises(PlanError) as raised:
        check_same_class(machines, moved)
    assert str(raised.value) == ("Run r7 has pair p01 with server vm01 and client vm02, this one with server vm01 "
                                 "and client vm03: leave lab_run_id empty for a new run (or give a new run id).")


def test_a_scenario_names_its_capture_as_the_course_does_and_each_its_own():
    """scenarios.yml's ``handin``: the seeds' tcp.pcap for reqresp, so a pair hands in
    <pair>-tcp.pcap; a scenario without one hands in <pair>-<scenario>.pcap."""
    root = Path(__file__).resolve().parent.parent
    shipped = yaml.safe_load((root / "collections/ansible_collections/tcplab/lab/roles/lab_plan/defaults/"
                              "main/scenarios.yml").read_text())["lab_scenarios"]
    result = plan(lab_scenarios=shipped, lab_run_scenarios="reqresp,upcall,reqresp-loss")
    assert {name: spec.get("handin") for name, spec in result["scenarios"].items()} == {
        "reqresp": "tcp", "upcall": "upcall", "reqresp-loss": None}
    for bad in ("tcp.pcap", "TCP", "../x", "", 7, "a" * 31):
        scenarios = {**SCENARIOS, "upcall": {**SCENARIOS["upcall"], "handin": bad}}
        message = error(lab_scenarios=scenarios)
        assert message.startswith(f"lab_scenarios.upcall.handin {bad!r}: give the name of the capture")
    twice = {**SCENARIOS, "reqresp": {**SCENARIOS["reqresp"], "handin": "upcall"}}
    assert error(lab_scenarios=twice) == ("lab_scenarios.upcall.handin 'upcall': the captures of reqresp "
                                          "are named so already; give upcall a handin of its own.")
