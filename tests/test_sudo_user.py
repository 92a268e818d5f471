"""The lab run by a teacher who is not root: a user with sudo, in the docker group (slow: a minute).

The test makes such a user, runs the lab's playbook as that user against the local Docker engine,
and checks that become was used exactly where root is needed (tcpdump, entering the containers,
the engine's socket), and that what the run wrote belongs to the user.

The user gets a virtualenv of its own on the system's python3 that reads the project's pinned
packages (a .pth file): the project's .venv may be made with a Python only root can reach.
"""
import json
import os
import pwd
import subprocess
import sysconfig
from pathlib import Path

import pytest
from lab_playbook import ROOT, ansible_playbook, playbook_command

USER = "tcplab-teacher"
LAB = {"lab_id": "tcplab-sudo", "lab_network_pool": "10.222.0.0/16", "lab_class_size": 1}


@pytest.fixture
def teacher():
    """A user with passwordless sudo in the docker group; removed afterwards, with its home."""
    if os.geteuid() != 0:
        pytest.fail("this test makes a user, so it runs as root (make test does)")
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--groups", "docker", USER], check=True)
    sudoers = Path(f"/etc/sudoers.d/{USER}")
    sudoers.write_text(f"{USER} ALL=(ALL) NOPASSWD: ALL\n")
    sudoers.chmod(0o440)
    user = pwd.getpwnam(USER)
    venv = Path(user.pw_dir) / "venv"
    subprocess.run(["runuser", "-u", USER, "--", "/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)],
                   check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    (site / "project.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    try:
        yield user, venv
    finally:
        ansible_playbook("playbooks/teardown.yml", variables={"lab_id": LAB["lab_id"]})
        sudoers.unlink()
        subprocess.run(["userdel", "--remove", USER], check=False, capture_output=True)


def test_a_teacher_with_sudo_runs_the_lab_and_owns_what_it_wrote(teacher):
    teacher, venv = teacher
    home = Path(teacher.pw_dir)
    captures = home / "captures"
    command, environment = playbook_command("lab.yml", variables={**LAB, "lab_captures_dir": str(captures),
                                                                  "lab_run_id": "as-teacher"})
    command = [str(venv / "bin" / "python"), "-m", "ansible.cli.playbook", *command[1:]]
    environment = {**environment, "HOME": str(home), "USER": USER,
                   "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}
    result = subprocess.run(["runuser", "-u", USER, "--", "env", *[f"{k}={v}" for k, v in environment.items()],
                             *command], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

    run = captures / "as-teacher"
    manifest = json.loads((run / "manifest.json").read_text())
    assert [(c["pair"], c["scenario"], c["status"]) for c in manifest["captures"]] == [
        ("p01", "reqresp", "ok"), ("p01", "upcall", "ok")]
    # tcpdump wrote the pcaps as root (become); they were handed to the teacher, like everything else.
    owners = {path.relative_to(run).as_posix(): path.stat().st_uid for path in run.rglob("*")}
    assert owners and set(owners.values()) == {teacher.pw_uid}, owners
    # become was asked for: the spool the lab keeps on the machine is root's.
    assert Path("/var/tmp/tcplab", LAB["lab_id"]).stat().st_uid == 0
