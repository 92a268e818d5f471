"""Verify the containers the lab made, through testinfra's docker backend."""
import json
import os

import pytest
import testinfra

MANIFEST = json.loads(testinfra.get_host("local://").file(
    os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "captures", "latest", "manifest.json")).content_string)
REMOTE_DIR = MANIFEST["settings"]["remote_dir"]
testinfra_hosts = ["local://"]


def lab_hosts(role):
    return [testinfra.get_host(f"docker://{MANIFEST['lab_id']}-{pair}-{role}")
            for pair in MANIFEST["settings"]["pairs"]]


@pytest.mark.parametrize("role", ["server", "client"])
def test_programs_are_deployed(role):
    for host in lab_hosts(role):
        for scenario in MANIFEST["settings"]["scenarios"]:
            assert host.file(f"{REMOTE_DIR}/{MANIFEST['scenarios'][scenario][role]}").is_file


@pytest.mark.parametrize("role", ["server", "client"])
def test_no_lab_program_left_running(role):
    # '[/]' keeps the pattern from matching the shell that runs pgrep itself.
    for host in lab_hosts(role):
        assert host.run("pgrep -f %s", "[/]" + REMOTE_DIR.lstrip("/")).rc == 1, f"a lab program still runs on {host}"


def test_messages_travelled_without_a_shell():
    pair = next(c for c in MANIFEST["captures"] if c["pair"] == "p02" and c["scenario"] == "reqresp")
    assert any("$(touch /tmp/pwned)" in m for m in pair["messages"])
    client = testinfra.get_host(f"docker://{pair['client']['host']}")
    assert not client.file("/tmp/pwned").exists
    assert not client.file("/tmp/pwned2").exists


def test_template_looking_messages_travelled_literally():
    pair = next(c for c in MANIFEST["captures"] if c["pair"] == "p02" and c["scenario"] == "reqresp")
    assert "{{ 7*7 }}" in pair["messages"] and "49" not in pair["messages"]
    # The client printed the echo of the seven characters, so they crossed the wire as written.
    assert "{{ 7*7 }}" in pair["expected_replies"] and pair["answered"] == len(pair["messages"])
    # A message that reads like a lookup was never run on the controller.
    assert not testinfra.get_host("local://").file("/tmp/tcplab-molecule-templated").exists
