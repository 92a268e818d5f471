"""Action plugin tcplab.lab.record: judge and record a batch of captures (see modules/record.py)."""

from ansible.plugins.action import ActionBase
from ansible_collections.tcplab.lab.plugins.module_utils.record import record_batch

ARGUMENTS = {
    "run_dir": {"type": "path", "required": True},
    "scenarios": {"type": "dict", "required": True},
    "pairs": {"type": "list", "elements": "dict", "required": True},
    "todo": {"type": "dict", "required": True},
    "results": {"type": "list", "elements": "raw", "required": True},
    "archives": {"type": "list", "elements": "path", "default": []},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=ARGUMENTS)
        try:
            changed, records = record_batch(args["run_dir"], args["scenarios"], args["pairs"], args["todo"],
                                            args["results"], args["archives"])
        except OSError as error:
            result.update(failed=True, msg=f"Cannot write the records in {args['run_dir']}: {error}")
            return result
        result.update(changed=changed, records=records)
        return result
