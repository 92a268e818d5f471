"""Action plugin tcplab.lab.record: judge and record a batch of captures (see modules/record.py)."""

from ansible_collections.tcplab.lab.plugins.module_utils import arguments
from ansible_collections.tcplab.lab.plugins.module_utils.record import record_batch
from ansible_collections.tcplab.lab.plugins.plugin_utils.controller import ControllerAction


class ActionModule(ControllerAction):
    ARGUMENTS = {
        "run_dir": {"type": "path", "required": True},
        "scenarios": {"type": "dict", "required": True},
        "pairs": arguments.required(arguments.PAIR),
        "todo": {"type": "dict", "required": True},
        "results": {"type": "list", "elements": "raw", "required": True},
        "archives": {"type": "dict", "default": {}},
        "unready": {"type": "list", "elements": "str", "default": []},
    }

    def work(self, args):
        changed, records = record_batch(args["run_dir"], args["scenarios"], args["pairs"], args["todo"],
                                        args["results"], args["archives"], args["unready"])
        return {"changed": changed, "records": records}
