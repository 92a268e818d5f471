"""Action plugin tcplab.lab.report: run the project's analyzer on a run folder (see modules/report.py).

The analyzer is ordinary Python (the tcplab package); running it here, in Ansible's own process on
the controller, spares a Python start and the module machinery for what is controller work anyway.
"""

import contextlib
import importlib
import io
import os
import sys

from ansible.plugins.action import ActionBase

ARGUMENTS = {
    "run_dir": {"type": "path", "required": True},
    "project_dir": {"type": "path", "required": True},
    "options": {"type": "list", "elements": "str", "default": []},
}


def stale(run_dir):
    """The report is missing or older than the manifest."""
    manifest, report = os.path.join(run_dir, "manifest.json"), os.path.join(run_dir, "report.json")
    return not os.path.exists(report) or os.path.getmtime(report) < os.path.getmtime(manifest)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=ARGUMENTS)
        if not stale(args["run_dir"]):
            result.update(changed=False)
            return result
        if args["project_dir"] not in sys.path:
            sys.path.insert(0, args["project_dir"])
        printed = io.StringIO()
        try:
            report = importlib.import_module("tcplab.report")
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                status = report.main([args["run_dir"], *args["options"]])
        except Exception as error:  # the analyzer's own bug must not pass for a report
            result.update(failed=True, msg=f"The analyzer failed on {args['run_dir']}: {error!r}")
            return result
        output = printed.getvalue().splitlines()
        if status:
            result.update(failed=True, msg=f"The analyzer stopped ({status}): {' '.join(output[-3:])}")
            return result
        result.update(changed=True, output=output)
        return result
