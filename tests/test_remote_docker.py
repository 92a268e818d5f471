"""A pair placed on a Docker host reached over SSH (slow: a few minutes).

The "remote" Docker host is a container that runs sshd on 127.0.0.1:2299 in the host's network
namespace and reaches the engine's socket, as a second lab PC would. The lab drives its engine
through the Docker SDK's ssh:// transport (paramiko), reaches the pair's containers through the
docker_api connection, installs tcpdump on it, captures its bridge over Ansible's SSH connection,
and fetches the pcap back, checksummed.
"""
import hashlib
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
PORT = 2299
LAB_ID = "tcplab-remote"


def run_playbook(name, inventory, home):
    return ansible_playbook(name, inventory=inventory, env={"HOME": str(home)})


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
    """(inventory folder, HOME for the controller) with a second Docker host reachable over SSH."""
    image = "tcplab/debian-sshd:bookworm"
    DOCKER.images.build(path=str(ROOT / "molecule/shared/sshd"), tag=image,
                        buildargs={"BASE": "tcplab/debian-python3:bookworm"}, rm=True)
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    host = DOCKER.containers.run(
        image, name="tcplab-pytest-dockerhost", detach=True, network_mode="host",
        cap_add=["NET_RAW", "NET_ADMIN"],
        environment={"AUTHORIZED_KEY": (tmp_path / "id_ed25519.pub").read_text().strip(),
                     "SSH_PORT": str(PORT), "SSH_LISTEN": "127.0.0.1"},
        volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"},
                 "/usr/bin/docker": {"bind": "/usr/bin/docker", "mode": "ro"}})
    try:
        wait_for_ssh(PORT)
        # Log every docker CLI call on the remote: the SDK's ssh:// transport runs
        # `docker system dial-stdio` there, which a fall-back to the local socket would not.
        host.exec_run(["sh", "-c", "printf '#!/bin/sh\\necho \"$*\" >> /var/log/docker-calls\\n"
                       "exec /usr/bin/docker \"$@\"\\n' > /usr/local/bin/docker && chmod +x /usr/local/bin/docker"])
        # The Docker SDK reads ~/.ssh/config and ~/.ssh/known_hosts and rejects unknown host keys.
        home = tmp_path / "home"
        (home / ".ssh").mkdir(parents=True)
        (home / ".ssh/config").write_text(f"Host 127.0.0.1\n  User root\n  Port {PORT}\n  IdentityFile {key}\n")
        keys = subprocess.run(["ssh-keyscan", "-p", str(PORT), "127.0.0.1"], capture_output=True, text=True,
                              check=True).stdout
        (home / ".ssh/known_hosts").write_text(keys)
        inventory = tmp_path / "inventory"
        (inventory / "group_vars/all").mkdir(parents=True)
        (inventory / "hosts.yml").write_text(json.dumps({"all": {"children": {"lab_docker_hosts": {"hosts": {
            "lab-pc-2": {"ansible_host": "127.0.0.1", "ansible_port": PORT, "ansible_user": "root",
                         "ansible_connection": "ansible.builtin.ssh",
                         "ansible_ssh_private_key_file": str(key),
                         "lab_docker_url": f"ssh://root@127.0.0.1:{PORT}"}}}}}}))
        (inventory / "group_vars/all/class.yml").write_text(json.dumps({
            "lab_id": LAB_ID, "lab_network_pool": "10.217.0.0/16", "lab_run_id": "remote",
            "lab_captures_dir": str(tmp_path / "captures"),
            "lab_roster": [{"name": "r01", "docker_host": "lab-pc-2"}]}))
        yield inventory, home
        run_playbook("playbooks/teardown.yml", inventory, home)
    finally:
        host.remove(force=True)


def test_pair_on_a_docker_host_over_ssh_is_captured_there_and_fetched(remote_docker_host, tmp_path):
    inventory, home = remote_docker_host
    result = run_playbook("lab.yml", inventory, home)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]

    run = tmp_path / "captures" / "remote"
    manifest = json.loads((run / "manifest.json").read_text())
    assert {(c["pair"], c["scenario"], c["status"]) for c in manifest["captures"]} == {
        ("r01", "reqresp", "ok"), ("r01", "upcall", "ok")}
    for capture in manifest["captures"]:
        assert capture["capture"]["host"] == "lab-pc-2"
        assert capture["capture"]["interface"].startswith("br-")
        pcap = run / capture["files"]["pcap"]
        assert hashlib.sha256(pcap.read_bytes()).hexdigest() == manifest["files"][capture["files"]["pcap"]]
        assert capture["capture"]["counts"]["captured"] >= 10
    # The pair's containers live on that engine and were reached through its API over SSH.
    containers = DOCKER.containers.list(filters={"label": f"org.tcplab.lab={LAB_ID}"})
    assert sorted(c.name for c in containers) == [f"{LAB_ID}-r01-client", f"{LAB_ID}-r01-server"]
    calls = DOCKER.containers.get("tcplab-pytest-dockerhost").exec_run(["cat", "/var/log/docker-calls"])
    assert calls.exit_code == 0 and b"system dial-stdio" in calls.output
    # tcpdump ran on the remote host (installed there by the lab), not on the controller.
    remote = DOCKER.containers.get("tcplab-pytest-dockerhost")
    assert remote.exec_run(["tcpdump", "--version"]).exit_code == 0
    assert not Path(f"/var/tmp/tcplab/{LAB_ID}").exists()
