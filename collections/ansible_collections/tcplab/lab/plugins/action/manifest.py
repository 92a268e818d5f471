"""Action plugin tcplab.lab.manifest: write a run's manifest and summary (see modules/manifest.py)."""

from ansible.plugins.action import ActionBase
from ansible_collections.tcplab.lab.plugins.module_utils.manifest import write_manifest

ARGUMENTS = {
    "run_dir": {"type": "path", "required": True},
    "run_id": {"type": "str", "required": True},
    "lab_id": {"type": "str", "required": True},
    "pairs": {"type": "list", "elements": "str", "required": True},
    "scenarios": {"type": "dict", "required": True},
    "settings": {"type": "dict", "default": {}},
    "versions": {"type": "dict", "default": {}},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=ARGUMENTS)
        try:
            changed, lines, failed = write_manifest(args["run_dir"], args["run_id"], args["lab_id"], args["pairs"],
                                                    args["scenarios"], args["settings"], args["versions"])
        except OSError as error:
            result.update(failed=True, msg=f"Cannot write the manifest in {args['run_dir']}: {error}")
            return result
        result.update(changed=changed, summary=lines, failed_captures=failed)
        return result
