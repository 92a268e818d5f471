"""Preparing a machine reached over SSH: leftovers are stopped, a foreign port holder is named.

The machine is an sshd container (lab image + openssh-server) on a LAN of its own, reached only
over SSH; the pair's server and client are both on it (loopback).
"""
import json
import socket
import subprocess
import time
from pathlib import Path

import docker
import pytest
from lab_playbook import ansible_playbook

ROOT = Path(__file__).resolve().parent.parent
DOCKER = docker.from_env()
ADDRESS = "10.219.0.11"
LAB = "tcplab-pytest-vm"


def listening(container, port):
    """The ss line of whoever listens on the port in the machine, or ''."""
    return container.exec_run(["ss", "-H", "-l", "-t", "-n", "-p", f"sport = :{port}"]).output.decode().strip()


def run_lab(inventory, **variables):
    return ansible_playbook("lab.yml", inventory=inventory, variables=variables, timeout=900)


@pytest.fixture(scope="module")
def machine(tmp_path_factory):
    """(container, inventory folder, captures folder) for one VM stand-in."""
    tmp = tmp_path_factory.mktemp("machine")
    DOCKER.images.build(path=str(ROOT / "molecule/shared/sshd"), tag="tcplab/debian-sshd:bookworm",
                        buildargs={"BASE": "tcplab/debian-python3:bookworm"}, rm=True)
    key = tmp / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    network = DOCKER.networks.create(f"{LAB}-lan", labels={"org.tcplab.lab": LAB}, ipam=docker.types.IPAMConfig(
        pool_configs=[docker.types.IPAMPool(subnet="10.219.0.0/24", gateway="10.219.0.1")]))
    container = DOCKER.containers.create("tcplab/debian-sshd:bookworm", name=f"{LAB}-vm01", labels={"org.tcplab.lab": LAB},
                                         environment={"AUTHORIZED_KEY": (tmp / "id_ed25519.pub").read_text().strip()})
    network.connect(container, ipv4_address=ADDRESS)
    container.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((ADDRESS, 22), timeout=2) as sock:
                    if sock.recv(8).startswith(b"SSH-"):
                        break
            except OSError:
                time.sleep(0.5)
        inventory = tmp / "inventory"
        (inventory / "group_vars/all").mkdir(parents=True)
        (inventory / "hosts.yml").write_text(json.dumps({"all": {"children": {"lab_machines": {"hosts": {
            "vm01": {"ansible_host": ADDRESS, "ansible_user": "root", "ansible_connection": "ansible.builtin.ssh",
                     "ansible_ssh_private_key_file": str(key)}}}}}}))
        (inventory / "group_vars/all/class.yml").write_text(json.dumps({
            "lab_id": LAB, "lab_captures_dir": str(tmp / "captures"),
            "lab_roster": [{"name": "solo", "server": "vm01", "client": "vm01"}]}))
        yield container, inventory, tmp / "captures"
    finally:
        container.remove(force=True)
        network.remove()


def test_a_leftover_lab_server_is_stopped_and_the_run_goes_on(machine):
    container, inventory, captures = machine
    # A server left from an earlier run: the lab's program path in its command line, port 2222 taken.
    container.exec_run(["sh", "-c", "mkdir -p /opt/tcplab/reqresp && cp /bin/sleep /opt/tcplab/reqresp/left"])
    # One process that holds the port, its command line under the lab's folder (bind, then exec).
    container.exec_run(["python3", "-c", "import os, socket; s = socket.socket(); s.bind(('0.0.0.0', 2222));"
                        "s.listen(1); os.set_inheritable(s.fileno(), True);"
                        "os.execv('/opt/tcplab/reqresp/left', ['/opt/tcplab/reqresp/left', '600'])"], detach=True)
    time.sleep(1)
    assert '"left"' in listening(container, 2222)
    result = run_lab(inventory, lab_run_id="leftover")
    assert result.returncode == 0, result.stdout[-4000:]
    manifest = json.loads((captures / "leftover" / "manifest.json").read_text())
    assert [(c["scenario"], c["status"], c["capture"]["interface"]) for c in manifest["captures"]] == [
        ("reqresp", "ok", "lo"), ("upcall", "ok", "lo")]


def test_a_foreign_process_on_a_lab_port_is_named(machine):
    container, inventory, captures = machine
    container.exec_run(["python3", "-c", "import socket, time; s = socket.socket(); s.bind(('0.0.0.0', 4141));"
                        "s.listen(1); time.sleep(600)"], detach=True)
    time.sleep(1)
    assert '"python3"' in listening(container, 4141)
    result = run_lab(inventory, lab_run_id="foreign")
    output = " ".join((result.stdout + result.stderr).split())  # long messages may be wrapped
    assert result.returncode != 0
    assert 'Port 4141 on vm01 is in use by users:(("python3"' in output, output[-4000:]
    assert '"python3"' in listening(container, 4141)  # the lab does not kill what is not its own
