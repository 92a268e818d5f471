"""The lab run by a teacher who is not root: a user with sudo, in the docker group (slow: a minute).

The test makes such a user, runs the lab's playbook as that user against the local Docker engine,
and checks that become was used exactly where root is needed (tcpdump, entering the containers,
the engine's socket), and that what the run wrote belongs to the user.

The project's clone may sit in a folder only root can enter (`/root/tcplab`, a `mktemp -d`), and
the suite's Python in one too (pyenv under /root). So the teacher gets everything in a folder of
its own (teacher.py): the project's files, an interpreter it can run and a virtualenv with the
packages the lab needs. The project it is given is itself taken from a clone in a mode-700
folder, so the test fails whenever the teacher would still need anything from where a clone sits.
"""
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
from lab_playbook import ROOT, teardown
from teacher import as_user, can_read, copy_project, prepare

USER = "tcplab-teacher"
LAB = {"lab_id": "tcplab-sudo", "lab_network_pool": "10.222.0.0/16", "lab_class_size": 1}
# Where the teacher's Python and the modules the lab imports come from, as JSON.
IMPORTED = ("import json, sys, ansible, dpkt, jinja2, yaml, tcplab; print(json.dumps("
            "[sys.base_prefix] + [m.__file__ for m in (ansible, dpkt, jinja2, yaml, tcplab)]))")


@pytest.fixture
def teacher():
    """A user with passwordless sudo in the docker group; removed afterwards, with its home."""
    if os.geteuid() != 0:
        pytest.fail("this test makes a user, so it runs as root (make test does)")
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--groups", "docker", USER],
                   check=True)
    sudoers = Path(f"/etc/sudoers.d/{USER}")
    sudoers.write_text(f"{USER} ALL=(ALL) NOPASSWD: ALL\n")
    sudoers.chmod(0o440)
    try:
        yield pwd.getpwnam(USER)
    finally:
        try:
            teardown(variables={"lab_id": LAB["lab_id"]})
        finally:
            sudoers.unlink()
            subprocess.run(["userdel", "--remove", USER], check=False, capture_output=True)


@pytest.fixture
def hidden_clone(tmp_path_factory):
    """The project as a clone in a folder only root can enter, like /root/tcplab."""
    folder = tmp_path_factory.mktemp("root-only")
    folder.chmod(0o700)
    return copy_project(ROOT, folder / "tcplab")


def test_a_teacher_with_sudo_runs_the_lab_and_owns_what_it_wrote(teacher, hidden_clone):
    assert not can_read(teacher, hidden_clone / "lab.yml"), "the clone must be out of reach"
    lab = prepare(teacher, hidden_clone)
    # Nothing the teacher runs comes from the clone or the suite's environment.
    imported = json.loads(as_user(teacher, [str(lab.python), "-c", IMPORTED], env=lab.environment,
                                  cwd=lab.project, check=True).stdout)
    suite = (ROOT, hidden_clone, Path(sys.prefix))
    assert not [path for path in imported
                if any(Path(path).is_relative_to(place) for place in suite)], imported

    captures = Path(teacher.pw_dir) / "captures"
    variables = {**LAB, "lab_captures_dir": str(captures), "lab_run_id": "as-teacher"}
    playbook = [str(lab.python), "-m", "ansible.cli.playbook", "lab.yml",
                "-e", json.dumps(variables)]
    result = as_user(teacher, playbook, env=lab.environment, cwd=lab.project, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

    run = captures / "as-teacher"
    manifest = json.loads((run / "manifest.json").read_text())
    assert [(c["pair"], c["scenario"], c["status"]) for c in manifest["captures"]] == [
        ("p01", "reqresp", "ok"), ("p01", "upcall", "ok")]
    # tcpdump wrote the pcaps as root (become); they were handed to the teacher, like the rest.
    owners = {path.relative_to(run).as_posix(): path.stat().st_uid for path in run.rglob("*")}
    assert owners and set(owners.values()) == {teacher.pw_uid}, owners
    # become was asked for: the spool the lab keeps on the machine is root's.
    assert Path("/var/tmp/tcplab", LAB["lab_id"]).stat().st_uid == 0
