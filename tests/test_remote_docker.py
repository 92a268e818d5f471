"""A pair placed on a second Docker host, reached over SSH (slow: a few minutes).

The "remote" Docker host is a container that runs sshd on 127.0.0.1:2299 in the host's network
and PID namespaces - as a second lab PC has its own - and reaches the engine's socket at a path
only it has (/run/lab-pc-2/docker.sock). Like a real machine it shares its spool folder with its
engine (the programs the containers mount are written there). The lab reaches it only through Ansible's SSH connection:
it installs tcpdump there, drives the engine through that socket from there, runs the programs
inside the containers and captures the pair's bridge there, then fetches the pcaps back as one
archive and checks each one's sha256.
"""
import hashlib
import json
import socket
import subprocess
import time
from pathlib import Path

import docker
import pytest
from lab_playbook import ansible_playbook, sshd_image, teardown

ROOT = Path(__file__).resolve().parent.parent
DOCKER = docker.from_env()
PORT = 2299
LAB_ID = "tcplab-remote"
SOCKET = "/run/lab-pc-2/docker.sock"


def wait_for_ssh(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                if sock.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no SSH server on 127.0.0.1:{port}")


@pytest.fixture
def remote_docker_host(tmp_path):
    """The inventory folder of a lab whose one pair lives on a second Docker host, lab-pc-2."""
    image = sshd_image(tmp_path)
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    host = DOCKER.containers.run(
        image, name="tcplab-pytest-dockerhost", detach=True, network_mode="host", pid_mode="host",
        # What root on a real machine can do that the lab needs: capture, and enter containers.
        cap_add=["NET_RAW", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"],
        environment={"AUTHORIZED_KEY": (tmp_path / "id_ed25519.pub").read_text().strip(),
                     "SSH_PORT": str(PORT), "SSH_LISTEN": "127.0.0.1"},
        volumes={"/var/run/docker.sock": {"bind": SOCKET, "mode": "rw"},
                 "/var/tmp/tcplab": {"bind": "/var/tmp/tcplab", "mode": "rw"}})
    try:
        wait_for_ssh(PORT)
        inventory = tmp_path / "inventory"
        (inventory / "group_vars/all").mkdir(parents=True)
        (inventory / "hosts.yml").write_text(json.dumps({"all": {"children": {"lab_docker_hosts": {"hosts": {
            "lab-pc-2": {"ansible_host": "127.0.0.1", "ansible_port": PORT, "ansible_user": "root",
                         "ansible_connection": "ansible.builtin.ssh",
                         "ansible_ssh_private_key_file": str(key),
                         "lab_docker_socket": SOCKET}}}}}}))
        (inventory / "group_vars/all/class.yml").write_text(json.dumps({
            "lab_id": LAB_ID, "lab_network_pool": "10.217.0.0/16", "lab_run_id": "remote",
            "lab_captures_dir": str(tmp_path / "captures"), "lab_known_hosts": str(tmp_path / "known_hosts"),
            "lab_roster": [{"name": "r01", "docker_host": "lab-pc-2"}]}))
        yield inventory
        teardown(inventory=inventory)
    finally:
        host.remove(force=True)


def test_pair_on_a_docker_host_over_ssh_is_captured_there_and_fetched(remote_docker_host, tmp_path):
    assert not Path(SOCKET).exists()  # only lab-pc-2 has the engine there
    result = ansible_playbook("lab.yml", inventory=remote_docker_host)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]

    run = tmp_path / "captures" / "remote"
    manifest = json.loads((run / "manifest.json").read_text())
    assert {(c["pair"], c["scenario"], c["status"]) for c in manifest["captures"]} == {
        ("r01", "reqresp", "ok"), ("r01", "upcall", "ok")}
    bridge = manifest["settings"]["plan"][0]["network"]["bridge"]
    for capture in manifest["captures"]:
        assert (capture["capture"]["host"], capture["capture"]["interface"]) == ("lab-pc-2", bridge)
        pcap = run / capture["files"]["pcap"]
        assert hashlib.sha256(pcap.read_bytes()).hexdigest() == manifest["files"][capture["files"]["pcap"]]
        assert capture["capture"]["sha256"] == manifest["files"][capture["files"]["pcap"]]
        assert capture["capture"]["counts"]["captured"] >= 10
    # The pair's containers were made through lab-pc-2's socket.
    containers = DOCKER.containers.list(filters={"label": f"org.tcplab.lab={LAB_ID}"})
    assert sorted(c.name for c in containers) == [f"{LAB_ID}-r01-client", f"{LAB_ID}-r01-server"]
    # tcpdump ran on lab-pc-2 (installed there by the lab), and its spool for the run is gone.
    remote = DOCKER.containers.get("tcplab-pytest-dockerhost")
    assert remote.exec_run(["tcpdump", "--version"]).exit_code == 0
    assert remote.exec_run(["test", "-e", f"/var/tmp/tcplab/{LAB_ID}/remote"]).exit_code == 1
    assert not (run / ".incoming").exists()
