"""A machine reached over SSH: two pairs share it, leftovers are stopped, a foreign port holder is named.

The machine is an sshd container (lab image + openssh-server) on a LAN of its own, reached only
over SSH; two pairs have their server and client on it (loopback), so they must take turns.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest
from lab_playbook import ansible_playbook, make_command, sshd_image

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
    sshd_image(tmp)
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
            "lab_roster": [{"name": "solo", "server": "vm01", "client": "vm01"},
                           {"name": "duo", "server": "vm01", "client": "vm01"}]}))
        yield container, inventory, tmp / "captures"
    finally:
        container.remove(force=True)
        network.remove()


def captures(folder, run_id):
    manifest = json.loads((folder / run_id / "manifest.json").read_text())
    return sorted((c["pair"], c["scenario"], c["status"], c["capture"]["interface"]) for c in manifest["captures"])


def test_two_pairs_on_one_machine_take_turns_and_a_leftover_server_is_stopped(machine):
    container, inventory, folder = machine
    result = run_lab(inventory, lab_run_id="first")
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Could not match supplied host pattern" not in result.stdout + result.stderr
    assert captures(folder, "first") == [(pair, scenario, "ok", "lo") for pair in ("duo", "solo")
                                         for scenario in ("reqresp", "upcall")]
    # What a run cut short leaves: a lab server still listening, its pid file in the lab's spool.
    spool = f"/var/tmp/tcplab/{LAB}/cut-short/solo"
    container.exec_run(["sh", "-c", f"mkdir -p {spool}; python3 /opt/tcplab/reqresp/server.py --port 2222 "
                                    f"> /dev/null 2>&1 & echo $! > {spool}/reqresp.server.pid"])
    time.sleep(1)
    assert '"python3"' in listening(container, 2222)
    result = run_lab(inventory, lab_run_id="after-leftover")
    assert result.returncode == 0, result.stdout[-4000:]
    assert {c[2] for c in captures(folder, "after-leftover")} == {"ok"}
    assert container.exec_run(["pgrep", "-f", "[r]eqresp/server.py"]).exit_code == 1


def test_a_pair_on_a_machine_can_be_watched_live_over_ssh(machine):
    container, inventory, folder = machine
    plan = folder / "first" / "plan.json"
    watcher = subprocess.Popen([str(Path(sys.executable).parent / "python"), "-m", "tcplab", "watch", "solo",
                                "--scenario", "upcall", "--plan", str(plan), "-i", "inventory/common", "-i", str(inventory)],
                               cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "DISPLAY"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = [watcher.stdout.readline()]
    assert lines[0] == "Watching solo (4141) on vm01, interface lo; Ctrl+C stops\n", lines
    while lines[-1] and "listening on" not in lines[-1]:
        lines.append(watcher.stdout.readline())
    assert "listening on lo" in lines[-1], lines
    result = run_lab(inventory, lab_run_id="watched")
    assert result.returncode == 0, result.stdout[-4000:]
    time.sleep(1)
    assert container.exec_run(["pgrep", "-x", "tcpdump"]).exit_code == 0
    # Ctrl+C, and a second one while it stops: a clean stop, the remote tcpdump gone with it.
    os.killpg(watcher.pid, signal.SIGINT)
    time.sleep(0.2)
    if watcher.poll() is None:
        os.killpg(watcher.pid, signal.SIGINT)
    output = watcher.communicate(timeout=30)[0]
    assert watcher.returncode == 0, output[-2000:]
    assert "error" not in output and "Traceback" not in output, output[-2000:]
    time.sleep(1)
    assert container.exec_run(["pgrep", "-x", "tcpdump"]).exit_code == 1
    packets = [line for line in output.splitlines() if " TCP " in line]
    # Two pairs share vm01 and its address: both of their upcall conversations are on port 4141, one after
    # the other; reqresp's port is not watched.
    assert len(packets) >= 20 and all("4141" in line and ADDRESS in line for line in packets), packets


def test_a_foreign_process_on_a_lab_port_is_named(machine):
    container, inventory, captures = machine
    container.exec_run(["python3", "-c", "import socket, time; s = socket.socket(); s.bind(('0.0.0.0', 4141));"
                        "s.listen(1); time.sleep(600)", "foreign-holder"], detach=True)
    time.sleep(1)
    assert '"python3"' in listening(container, 4141)
    result = run_lab(inventory, lab_run_id="foreign")
    output = " ".join((result.stdout + result.stderr).split())  # long messages may be wrapped
    assert result.returncode != 0
    assert 'Port 4141 on vm01 is in use by users:(("python3"' in output, output[-4000:]
    assert '"python3"' in listening(container, 4141)  # the lab does not kill what is not its own
    container.exec_run(["pkill", "-f", "foreign-holder"])  # the test's own, for the tests after it


def test_the_retry_hint_of_a_failed_run_works_as_printed(machine):
    """`make lab INVENTORY=...` with failed captures prints the command that retries them; pasted as
    printed, it plans the same class into the same run folder (here it fails the same way: the lab
    address given in ARGS is not the machine's, so the servers cannot listen on it)."""
    container, inventory, folder = machine
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    first = subprocess.run(make_command("lab", f"INVENTORY={inventory}",
                                        "ARGS=-e lab_run_id=hint -e lab_address=10.219.0.99"),
                           cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900)
    assert first.returncode != 0
    hint = next((line for line in first.stdout.splitlines() if "To retry" in line), first.stdout[-3000:])
    assert hint.startswith("4 capture(s) failed. To retry just those: make lab "), first.stdout[-3000:]
    command = hint.split(": ", 1)[1]
    assert f"INVENTORY={inventory}" in command and "ARGS='-e lab_address=10.219.0.99 -e lab_run_id=hint'" in command
    again = subprocess.run(["bash", "-c", command], cwd=ROOT, env=environment, capture_output=True, text=True,
                           timeout=900)
    assert again.returncode != 0
    assert again.stdout.startswith("Run hint: 2 pair(s) x reqresp, upcall on vm01\n"), again.stdout[-3000:]
    assert json.loads((folder / "hint" / "plan.json").read_text())["lab_id"] == LAB
    assert hint in again.stdout.splitlines()


def test_make_clean_stops_what_a_cut_short_run_left_on_the_machines_and_the_controller(machine):
    """Servers and tcpdumps as the lab starts them (pid files in its spool) on the machine and on the
    controller; `make clean INVENTORY=...` stops exactly those and removes the spool; a foreign
    server and a foreign tcpdump stay."""
    container, inventory, _ = machine
    spool = f"/var/tmp/tcplab/{LAB}/cut-short/solo"
    if container.exec_run(["sh", "-c", "command -v tcpdump && test -f /opt/tcplab/reqresp/server.py"]).exit_code:
        # Run alone: a run first, which installs tcpdump and copies the programs.
        assert run_lab(inventory, lab_run_id="before-clean").returncode == 0
    container.exec_run(["sh", "-c", f"mkdir -p {spool}; python3 /opt/tcplab/reqresp/server.py --port 2222 "
                                    f"> /dev/null 2>&1 & echo $! > {spool}/reqresp.server.pid; "
                                    f"tcpdump -i lo -w {spool}/reqresp.pcap port 2222 > /dev/null 2>&1 & "
                                    f"echo $! > {spool}/reqresp.tcpdump.pid"])
    foreign = container.exec_run(["sh", "-c", "python3 -m http.server 8080 > /dev/null 2>&1 & "
                                              "tcpdump -i lo -w /tmp/foreign.pcap port 8080 > /dev/null 2>&1 &"])
    assert foreign.exit_code == 0
    container.exec_run(["sh", "-c", 'echo \'{"lab_id": "%s", "run_id": "cut-short", "controller": "%s", '
                                    '"pid": 1}\' > /var/tmp/tcplab/machine.lock' % (LAB, socket.gethostname())])
    here = Path(f"/var/tmp/tcplab/{LAB}/cut-short/duo")
    here.mkdir(parents=True, exist_ok=True)
    controller = subprocess.Popen(["tcpdump", "-i", "lo", "-w", str(here / "upcall.pcap"), "port 4141"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        (here / "upcall.tcpdump.pid").write_text(str(controller.pid))
        cut_short_run_is_cleaned(container, inventory, spool, controller)
    finally:
        if controller.poll() is None:  # the test's own tcpdump, should make clean have missed it
            controller.kill()
            controller.wait()


def cut_short_run_is_cleaned(container, inventory, spool, controller):
    time.sleep(1)
    assert '"python3"' in listening(container, 2222)
    assert container.exec_run(["pgrep", "-f", f"tcpdump -i lo -w {spool}/reqresp.pcap"]).exit_code == 0
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    done = subprocess.run(make_command("clean", f"INVENTORY={inventory}"), cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert controller.wait(10) is not None
    assert not Path(f"/var/tmp/tcplab/{LAB}").exists()
    assert listening(container, 2222) == ""
    assert container.exec_run(["pgrep", "-f", "[r]eqresp/server.py"]).exit_code == 1
    assert container.exec_run(["pgrep", "-f", f"tcpdump -i lo -w {spool}/reqresp.pcap"]).exit_code == 1
    assert container.exec_run(["pgrep", "-f", "tcpdump -i lo -w /tmp/foreign.pcap"]).exit_code == 0
    assert '"python3"' in listening(container, 8080)
    assert container.exec_run(["test", "-e", f"/var/tmp/tcplab/{LAB}"]).exit_code == 1
    assert container.exec_run(["test", "-e", "/var/tmp/tcplab/machine.lock"]).exit_code == 1
    container.exec_run(["pkill", "-f", "tcpdump -i lo -w /tmp/foreign.pcap|http.server 8080"])


def test_a_machine_another_run_holds_is_refused_and_a_stale_lock_is_taken_over(machine):
    container, inventory, folder = machine
    lock = "/var/tmp/tcplab/machine.lock"

    def hold(controller, pid):
        text = json.dumps({"lab_id": "other-class", "run_id": "20261128T090000Z", "controller": controller,
                           "pid": pid})
        container.exec_run(["sh", "-c", f"printf '%s' '{text}' > {lock}"])

    hold("teacher-laptop", 4242)
    result = run_lab(inventory, lab_run_id="locked")
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert ("vm01 is in use by run 20261128T090000Z of lab other-class (ansible-playbook 4242 on teacher-laptop): "
            "wait until it has ended; if it has, run make clean with its inventory.") in output, output[-3000:]
    assert "other-class" in container.exec_run(["cat", lock]).output.decode()
    # The same controller, its ansible-playbook gone: a run killed; the next run takes the machine.
    dead = subprocess.Popen(["true"])
    dead.wait()
    hold(socket.gethostname(), dead.pid)
    result = run_lab(inventory, lab_run_id="after-stale")
    assert result.returncode == 0, result.stdout[-4000:]
    assert {c[2] for c in captures(folder, "after-stale")} == {"ok"}
    assert container.exec_run(["test", "-e", lock]).exit_code == 1  # given back at the end
