"""The collection tcplab.lab as others use it: built into an artifact, installed into a folder of
its own, and run from a playbook of the user's own - no project ansible.cfg, no project inventory.

The controller's Python is the suite's virtualenv, which has the project's package `tcplab`
installed (make setup: pip install -e .), as a user's has after `pip install <the project>`.
"""
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from ansible_collections.tcplab.lab.plugins.action.plan import LITERAL, RENDERED
from lab_playbook import make_command

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "collections" / "ansible_collections" / "tcplab" / "lab"
BIN = Path(sys.executable).parent
LAB = {"lab_id": "tcplab-coll", "lab_network_pool": "10.232.0.0/16", "lab_class_size": 1}
# The user's inventory: the local Docker engine, reached on the controller itself.
INVENTORY = """\
lab_docker_hosts:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""
PLAYBOOK = """\
- name: My class, with the lab's collection
  ansible.builtin.import_playbook: tcplab.lab.lab
"""


def user_environment(collections):
    """The environment of a user of the collection: no ANSIBLE_* of the project's, the installed
    collections only, the virtualenv's ansible-playbook first on PATH."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    environment.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1",
                       PATH=f"{BIN}:{os.environ['PATH']}")
    return environment


def run(command, cwd, env, timeout=900):
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(artifact, collections folder): make collection's artifact, installed as a user does."""
    root = tmp_path_factory.mktemp("collection")
    built = run(make_command("collection"), ROOT, dict(os.environ))
    assert built.returncode == 0, built.stdout + built.stderr
    version = yaml.safe_load((COLLECTION / "galaxy.yml").read_text())["version"]
    artifact = ROOT / "dist" / f"tcplab-lab-{version}.tar.gz"
    assert artifact.is_file(), built.stdout
    collections = root / "collections"
    user = root / "elsewhere"
    user.mkdir()
    done = run([str(BIN / "ansible-galaxy"), "collection", "install", str(artifact), "-p", str(collections)],
               user, user_environment(collections))
    assert done.returncode == 0, done.stdout + done.stderr
    return artifact, collections


def test_the_artifact_is_self_contained_and_carries_nothing_a_run_leaves(installed):
    artifact, collections = installed
    with tarfile.open(artifact) as tar:
        names = set(tar.getnames())
    for wanted in ("playbooks/lab.yml", "playbooks/teardown.yml", "roles/lab_plan/files/reqresp/server.py",
                   "roles/lab_plan/files/upcall/client.py", "roles/lab_plan/defaults/main/scenarios.yml",
                   "roles/lab_students/files/tcplab-student", "plugins/action/plan.py", "meta/runtime.yml"):
        assert wanted in names, wanted
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.startswith("captures")]
    installed_root = collections / "ansible_collections" / "tcplab" / "lab"
    manifest = json.loads((installed_root / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == yaml.safe_load((COLLECTION / "galaxy.yml").read_text())["version"]
    # No invented address: galaxy.yml names none.
    assert not any(manifest["collection_info"].get(key) for key in ("repository", "homepage", "issues"))


def test_the_collections_defaults_are_the_projects(installed):
    """What a user of the collection gets when nothing says otherwise is what a teacher of the
    project gets from inventory/common (but where runs land, and the programs, which are the
    collection's own)."""
    project = {}
    for path in sorted((ROOT / "inventory" / "common" / "group_vars" / "all").glob("*.yml")):
        project.update(yaml.safe_load(path.read_text()))
    roles = COLLECTION / "roles"
    defaults = [roles / "lab_plan" / "defaults" / "main" / "lab.yml",
                *[roles / role / "defaults" / "main.yml" for role in
                  ("lab_host", "lab_image", "lab_provision", "lab_exchange", "lab_students", "lab_teardown")]]
    checked = 0
    for path in defaults:
        for key, value in yaml.safe_load(path.read_text()).items():
            if key in ("lab_captures_dir", "lab_programs_dir") or key not in project:
                continue
            assert value == project[key], (path.relative_to(ROOT), key)
            checked += 1
    assert checked >= 20
    # Every setting the plan reads that the project sets has a collection default too.
    plan_defaults = {}
    for path in sorted((roles / "lab_plan" / "defaults" / "main").glob("*.yml")):
        plan_defaults.update(yaml.safe_load(path.read_text()))
    missing = sorted(key for key in (*RENDERED, *LITERAL) if key in project and key not in plan_defaults)
    assert not missing, f"settings with no default in role lab_plan: {missing}"
    assert "lab_scenarios" in plan_defaults and "lab_programs_dir" in plan_defaults


def test_a_users_own_playbook_runs_a_class_with_the_installed_collection(installed, tmp_path):
    _, collections = installed
    user = tmp_path / "my-class"
    user.mkdir()
    (user / "inventory.yml").write_text(INVENTORY)
    (user / "class.yml").write_text(PLAYBOOK)
    environment = user_environment(collections)
    variables = ["-e", json.dumps(LAB)]
    try:
        result = run([str(BIN / "ansible-playbook"), "-i", "inventory.yml", "class.yml", *variables], user, environment)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        # The collection's default: captures/ in the folder ansible-playbook ran in.
        run_dir = (user / "captures" / "latest").resolve()
        assert run_dir.parent == user / "captures"
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert {(c["pair"], c["scenario"]): c["status"] for c in manifest["captures"]} == {
            ("p01", "reqresp"): "ok", ("p01", "upcall"): "ok"}
        for name in ("p01/reqresp.pcap", "p01/upcall.pcap", "report.html", "summary.txt", "handout/p01.md"):
            assert (run_dir / name).stat().st_size > 0, name
        # The programs the pair ran are the installed collection's, not the project's.
        plan = json.loads((run_dir / "plan.json").read_text())
        assert Path(plan["programs_dir"]) == collections / "ansible_collections/tcplab/lab/roles/lab_plan/files"
    finally:
        down = run([str(BIN / "ansible-playbook"), "-i", "inventory.yml", "tcplab.lab.teardown", *variables],
                   user, environment)
    assert down.returncode == 0, down.stdout[-3000:]
    listed = run(["docker", "ps", "-aq", "--filter", f"label=org.tcplab.lab={LAB['lab_id']}"], user, environment)
    assert listed.stdout.strip() == ""
