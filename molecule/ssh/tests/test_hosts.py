"""Verify the SSH hosts (VM stand-ins) through testinfra's paramiko backend."""
import json
import os

import paramiko
import pytest
import testinfra

EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
KEY = os.path.join(EPHEMERAL, "id_ed25519")
MANIFEST = json.loads(testinfra.get_host("local://").file(
    os.path.join(EPHEMERAL, "captures", "latest", "manifest.json")).content_string)
REMOTE_DIR = MANIFEST["settings"]["remote_dir"]
MACHINES = {"vm01": "10.216.0.11", "vm02": "10.216.0.12", "vm03": "10.216.0.13"}
testinfra_hosts = ["local://"]


def machine(name):
    return testinfra.get_host(f"paramiko://root@{MACHINES[name]}", ssh_identity_file=KEY)


def captures_of(pair):
    return [c for c in MANIFEST["captures"] if c["pair"] == pair]


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_programs_are_deployed_over_ssh(name):
    host = machine(name)
    roles = {role for c in MANIFEST["captures"] for role in ("server", "client") if c[role]["host"] == name}
    assert roles, f"{name} plays no part in the class"
    for role in roles:
        for scenario in MANIFEST["settings"]["scenarios"]:
            assert host.file(f"{REMOTE_DIR}/{MANIFEST['scenarios'][scenario][role]}").is_file


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_nothing_left_running(name):
    host = machine(name)
    # '[/]' and '[t]' keep the patterns from matching the shell that runs pgrep itself.
    assert host.run("pgrep -f %s", "[/]" + REMOTE_DIR.lstrip("/")).rc == 1
    assert host.run("pgrep -f [t]cpdump").rc == 1


def test_each_capture_point_was_used():
    points = {c["pair"]: (c["capture"]["host"], c["capture"]["interface"]) for c in MANIFEST["captures"]}
    assert points["p01"][0] == "localhost" and points["p01"][1].startswith("br-")
    assert points["p02"] == ("vm03", "eth0")
    assert points["p03"] == ("vm02", "lo")


def test_tcpdump_installed_where_the_lab_captures():
    for name in ("vm02", "vm03"):
        assert machine(name).package("tcpdump").is_installed


def test_messages_travelled_without_a_shell():
    assert any("$(touch /tmp/pwned)" in m for c in captures_of("p02") for m in c["messages"])
    client = machine("vm01")
    assert not client.file("/tmp/pwned").exists
    assert not client.file("/tmp/pwned2").exists


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_host_key_was_recorded_and_matches(name):
    known = paramiko.HostKeys(os.path.join(EPHEMERAL, "known_hosts"))
    presented = machine(name).backend.client.get_transport().get_remote_server_key()
    recorded = known.lookup(MACHINES[name])
    assert recorded is not None, f"{name} is not in the lab's known_hosts"
    assert recorded[presented.get_name()] == presented
