"""Action plugin tcplab.lab.manifest: write a run's manifest and summary (see modules/manifest.py)."""

from ansible_collections.tcplab.lab.plugins.plugin_utils.manifest import write_manifest
from ansible_collections.tcplab.lab.plugins.plugin_utils.controller import ControllerAction


class ActionModule(ControllerAction):
    ARGUMENTS = {
        "run_dir": {"type": "path", "required": True},
        "run_id": {"type": "str", "required": True},
        "lab_id": {"type": "str", "required": True},
        "pairs": {"type": "list", "elements": "str", "required": True},
        "scenarios": {"type": "dict", "required": True},
        "settings": {"type": "dict", "default": {}},
        "versions": {"type": "dict", "default": {}},
    }

    def work(self, args):
        changed, counts, failed = write_manifest(args["run_dir"], args["run_id"], args["lab_id"], args["pairs"],
                                                args["scenarios"], args["settings"], args["versions"])
        return {"changed": changed, "counts": counts, "failed_captures": failed}
