"""Benchmark: the logins of a whole class on one lab machine, against a bare shell loop (figures).

The lab machine is an sshd container in the host's network namespace (as tests/test_students.py
has it), reached over SSH as a Docker host. For a class of N pairs (default 40), all with
passwords (the slower kind: each is hashed):
  - the plan alone (`lab.yml --tags plan-only`): Ansible's fixed cost, to set the rest against;
  - the logins made cold (`--tags lab_students`), made again with nothing to change, and made
    again with new passwords (rotate);
  - make clean (tcplab.lab.teardown), which removes them;
  - the references: shell loops in the same container doing the bare minimum - useradd, the
    folder, one chpasswd for all; then userdel and the folders removed.
Prints each wall time and the lab's time beyond the plan as a ratio to its reference.

    make bench-logins [ARGS="--pairs 10"]

A figure on a shared machine means
something only as a ratio against the reference measured in the same run.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

from lab_playbook import ansible_playbook  # the tests' helpers: make bench-logins puts tests/ on the path
from test_students import wait_for_ssh

ROOT = Path(__file__).resolve().parent.parent

PORT = 2296
HOST = "tcplab-bench-logins"
SOCKET = "/run/lab-pc-4/docker.sock"
LAB_ID = "tlbench"
MAKE = r"""
set -e
for i in $(seq 1 "$1"); do
  useradd --no-create-home --home-dir "/srv/bare/p$i" --shell /bin/sh --user-group "bare$i"
  mkdir -p "/srv/bare/p$i" && chown "bare$i:bare$i" "/srv/bare/p$i" && chmod 700 "/srv/bare/p$i"
done
for i in $(seq 1 "$1"); do echo "bare$i:abcd-efgh-jk$i"; done | chpasswd
"""
REMOVE = r"""
set -e
for i in $(seq 1 "$1"); do userdel "bare$i"; done
rm -rf /srv/bare
"""


def timed(function):
    start = time.monotonic()
    result = function()
    return time.monotonic() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=40)
    pairs = parser.parse_args().pairs
    client = docker.from_env()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        key = root / "teacher_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        client.images.build(path=str(ROOT / "molecule/shared/sshd"),
                            tag="tcplab/debian-sshd:bookworm",
                            buildargs={"BASE": "tcplab/debian-python3:bookworm"}, rm=True)
        host = client.containers.run(
            "tcplab/debian-sshd:bookworm", name=HOST, detach=True, network_mode="host",
            pid_mode="host", cap_add=["NET_RAW", "NET_ADMIN"],
            environment={"AUTHORIZED_KEY": Path(f"{key}.pub").read_text().strip(),
                         "SSH_PORT": str(PORT), "SSH_LISTEN": "127.0.0.1"},
            volumes={"/var/run/docker.sock": {"bind": SOCKET, "mode": "rw"}})
        inventory = root / "inventory"
        try:
            wait_for_ssh(PORT)
            (inventory / "group_vars/all").mkdir(parents=True)
            (inventory / "hosts.yml").write_text(json.dumps({"all": {"children": {
                "lab_docker_hosts": {"hosts": {"lab-pc-4": {
                    "ansible_host": "127.0.0.1", "ansible_port": PORT, "ansible_user": "root",
                    "ansible_connection": "ansible.builtin.ssh",
                    "ansible_ssh_private_key_file": str(key), "lab_docker_socket": SOCKET}}}}}}))
            (inventory / "group_vars/all/class.yml").write_text(json.dumps({
                "lab_id": LAB_ID, "lab_network_pool": "10.230.0.0/16",
                "lab_captures_dir": str(root / "captures"),
                "lab_known_hosts": str(root / "known_hosts"), "lab_student_access": True,
                "lab_roster": [{"name": f"p{n:02d}", "docker_host": "lab-pc-4"}
                               for n in range(1, pairs + 1)]}))

            def run(name, *args, **variables):
                done = ansible_playbook(name, *args, inventory=inventory, variables=variables)
                if done.returncode != 0:
                    sys.exit(f"{name} {' '.join(args)} failed:\n{done.stdout[-3000:]}")

            # The image's apt lists are gone: install sudo once, outside what is measured. The
            # machine sees this machine's processes: its accounts get user ids none has here.
            host.exec_run(["sh", "-c", "apt-get update -qq && apt-get install -y -qq sudo"])
            host.exec_run(["sed", "-i", "-e", "s/^UID_MIN.*/UID_MIN 53000/", "-e",
                           "s/^GID_MIN.*/GID_MIN 53000/", "/etc/login.defs"])
            figures = {
                "plan alone": timed(lambda: run("lab.yml", "--tags", "plan-only",
                                                lab_run_id="plan"))[0],
                "logins, cold": timed(lambda: run("lab.yml", "--tags", "lab_students",
                                                  lab_run_id="cold"))[0],
                "logins, again": timed(lambda: run("lab.yml", "--tags", "lab_students",
                                                   lab_run_id="again"))[0],
                "logins, rotated": timed(lambda: run("lab.yml", "--tags", "lab_students",
                                                     lab_run_id="rotated",
                                                     lab_student_rotate=True))[0],
                "make clean": timed(lambda: run("tcplab.lab.teardown"))[0],
            }
            references = {}
            for name, script in (("make", MAKE), ("remove", REMOVE)):
                references[name], done = timed(lambda: host.exec_run(["sh", "-c", script, "bare",
                                                                      str(pairs)]))
                if done.exit_code != 0:
                    said = done.output.decode(errors="replace")[-2000:]
                    sys.exit(f"the reference failed: {said}")
        finally:
            ansible_playbook("tcplab.lab.teardown", inventory=inventory)
            host.remove(force=True)
    base = figures["plan alone"]
    print(f"Logins of {pairs} pairs on one lab machine (over SSH), wall seconds:")
    for name, seconds in figures.items():
        reference = references["remove" if name == "make clean" else "make"]
        beyond = "" if name == "plan alone" else (
            f"   beyond the plan {seconds - base:6.1f} s = "
            f"{(seconds - base) / reference:5.1f} x its reference")
        print(f"  {name:<16} {seconds:6.1f}{beyond}")
    print(f"  {'reference, make':<16} {references['make']:6.1f}   (useradd and the folder for "
          "each, one chpasswd for all)")
    print(f"  {'reference, remove':<16} {references['remove']:6.1f}   (userdel for each, the "
          "folders removed)")


if __name__ == "__main__":
    main()
