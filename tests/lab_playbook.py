"""Run the project's playbooks as `make` does (its ansible.cfg, the venv's ansible-playbook).

Shared by the tests that drive the lab against real hosts and by bench/bench_class.py.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The interpreter the suite's virtualenv was made with: a `make` the tests start is given it as
# PYTHON, so it runs in the suite's own virtualenv (.venv, or .venv-3.13 under PYTHON=python3.13).
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
PYTHON = os.path.realpath(Path(sys.base_prefix, "bin", f"python{VERSION}"))


def make_command(*args):
    """argv of `make ARGS...` run on the suite's Python, as `make test` was."""
    return ["make", "--no-print-directory", f"PYTHON={PYTHON}", *args]


def ansible_playbook(name, *args, inventory=None, variables=None, env=None, timeout=1200):
    """Run playbook `name`; `inventory` (a lab's folder) is layered after inventory/common."""
    command, environment = playbook_command(name, *args, inventory=inventory, variables=variables, env=env)
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout)


def teardown(inventory=None, variables=None):
    """make clean (the playbook tcplab.lab.teardown), which must succeed: a fixture that ignored a
    teardown stopped half-way once left containers that spoiled a later test's run."""
    down = ansible_playbook("tcplab.lab.teardown", inventory=inventory, variables=variables)
    assert down.returncode == 0, down.stdout[-4000:] + down.stderr[-2000:]
    return down


def playbook_command(name, *args, inventory=None, variables=None, env=None):
    """(argv, environment) that run playbook `name` as `make` does."""
    command = [str(BIN / "ansible-playbook")]
    if inventory is not None:
        command += ["-i", "inventory/common", "-i", str(inventory)]
    command.append(name)
    if variables:
        command += ["-e", json.dumps(variables, ensure_ascii=False)]
    command += list(args)
    environment = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PATH=f"{BIN}:{os.environ['PATH']}",
                       ANSIBLE_NOCOLOR="1", **(env or {}))
    return command, environment


LAB_IMAGE = "tcplab/debian-python3:bookworm"
SSHD_IMAGE = "tcplab/debian-sshd:bookworm"


def sshd_image(tmp):
    """The tests' machine image (molecule/shared/sshd: the lab image with openssh-server), built
    on the lab image; the lab image is made first by the lab's own image step when the engine
    lacks it (a test file run alone on a fresh engine). Its run folder goes under `tmp`."""
    import docker  # the suite's dependency, not the benchmarks'
    engine = docker.from_env()
    try:
        engine.images.get(LAB_IMAGE)
    except docker.errors.ImageNotFound:
        made = ansible_playbook("lab.yml", "--tags", "lab_image", inventory="inventory/docker",
                                variables={"lab_captures_dir": str(tmp)}, timeout=900)
        assert made.returncode == 0, made.stdout[-3000:]
    engine.images.build(path=str(ROOT / "molecule/shared/sshd"), tag=SSHD_IMAGE,
                        buildargs={"BASE": LAB_IMAGE}, rm=True)
    return SSHD_IMAGE
