"""Action plugin tcplab.lab.handout: every pair's hand-out, written into the run folder.

Runs on the controller, in Ansible's own process, once the plan has made the run folder (role
lab_plan): `handout/<pair>.md` and `handout/index.html` (the project's tcplab.handout), in the
plan's report language, for doing the labs by hand. Check mode writes nothing. Changed when a
file of the hand-out is new or differs.
"""

from pathlib import Path

from ansible.errors import AnsibleError
from ansible_collections.tcplab.lab.plugins.plugin_utils.controller import ControllerAction

try:
    from tcplab.formats.plan import PlanFileError, plan_language
    from tcplab.handout import write_handout
except ImportError:  # the lab's Python package is missing from the Python Ansible runs on
    write_handout = None

FOLDER = "handout"


def contents(folder):
    """{path: bytes} of the files a folder holds now (none when it is not there)."""
    if not folder.is_dir():
        return {}
    return {path: path.read_bytes() for path in folder.iterdir() if path.is_file()}


class ActionModule(ControllerAction):
    ARGUMENTS = {"plan": {"type": "dict", "required": True}}

    def work(self, args):
        if write_handout is None:
            raise AnsibleError("The tcplab package is not installed in the Python Ansible runs on: "
                               "run make setup (it installs it into the lab's virtualenv).")
        plan = args["plan"]
        folder = Path(plan["run_dir"]) / FOLDER
        if self._task.check_mode:  # --check writes nothing
            return {"changed": False, "folder": str(folder)}
        before = contents(folder)
        try:
            written = write_handout(plan, folder, plan_language(plan))
        except PlanFileError as error:
            raise ValueError(f"The hand-out cannot be written: {error}") from None
        changed = any(before.get(path) != path.read_bytes() for path in written)
        return {"changed": changed, "folder": str(folder), "files": [str(path) for path in written]}
