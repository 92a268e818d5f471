"""Action plugin tcplab.lab.report: run the project's analyzer on a run folder (see modules/report.py).

The analyzer is the tcplab package, installed beside Ansible; running it here, in Ansible's own
process on the controller, spares a Python start and the module machinery for what is controller
work anyway.
"""

import contextlib
import io
import os

from ansible_collections.tcplab.lab.plugins.plugin_utils.controller import ControllerAction

try:
    from tcplab.cli import report
except ImportError:  # the lab's Python package is missing from the Python Ansible runs on
    report = None


def stale(run_dir):
    """The report is missing or older than the manifest."""
    manifest, report = os.path.join(run_dir, "manifest.json"), os.path.join(run_dir, "report.json")
    return not os.path.exists(report) or os.path.getmtime(report) < os.path.getmtime(manifest)


class ActionModule(ControllerAction):
    ARGUMENTS = {
        "run_dir": {"type": "path", "required": True},
        "options": {"type": "list", "elements": "str", "default": []},
    }

    def work(self, args):
        if not stale(args["run_dir"]):
            return {"changed": False}
        if report is None:
            raise ValueError("the tcplab package is not installed in the Python Ansible runs on: run "
                             "make setup in the project (it installs it into the lab's virtualenv), or "
                             "pip install the project's folder into that Python")
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                status = report([args["run_dir"], *args["options"]])
        except SystemExit as stop:  # argparse's way of refusing an option
            status = stop.code
        except Exception as error:  # the analyzer's own bug must not pass for a report
            raise ValueError(f"the analyzer failed on {args['run_dir']}: {error!r}") from None
        output = printed.getvalue().splitlines()
        if status:
            raise ValueError(f"the analyzer stopped ({status}): {' '.join(output[-3:])}")
        return {"changed": True, "output": output}
