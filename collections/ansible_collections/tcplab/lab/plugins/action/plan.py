"""Action plugin tcplab.lab.plan: the complete plan of a lab run, from the inventory.

Runs on the controller. Reads the lab's settings and the inventory's machines, fixes the run id,
reads the capture records the run already has, and returns the plan (tcplab.planning). It
also makes the run folder with the plan (plan.json), which `make watch`, grading and the
hand-out (the next step of role lab_plan, tcplab.lab.handout) read.

Messages are data: lab_roster, lab_messages and lab_scenarios are read as the inventory holds
them, never templated (a message "{{ 7*7 }}" stays those seven characters), and everything the
plugin returns is plain JSON data, so no later task can render it either.
"""

import datetime
import json
import os
import socket
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

try:
    from tcplab.planning import PlanError, build_plan, check_run_id, check_same_class
    from tcplab.i18n import languages
except ImportError:  # the lab's Python package is missing from the Python Ansible runs on
    build_plan = check_run_id = check_same_class = None

    class PlanError(Exception):
        """A setting the plan cannot take (here: the package that plans is missing)."""

# Settings that are configuration: rendered like any variable (they may be templates, e.g.
# lab_captures_dir: "{{ playbook_dir | dirname }}/captures").
RENDERED = {
    "lab_id": "", "lab_run_id": "", "lab_class_size": 0, "lab_run_scenarios": [],
    "lab_captures_dir": "", "lab_programs_dir": "", "lab_docker_host": "localhost",
    "lab_image_name": "", "lab_network_pool": "", "lab_network_prefix": 24, "lab_bridge_prefix": "",
    "lab_capture_point": "bridge", "lab_capture_host": "", "lab_capture_interface": "",
    "lab_remote_dir": "/opt/tcplab", "lab_spool": "/var/tmp/tcplab", "lab_report_language": "en",
    # The teacher's secret for each pair's own messages: rendered (a vaulted value is decrypted),
    # used by the plan, and never written anywhere or shown.
    "lab_messages_seed": "", "lab_messages_count": 3,
    # Students' logins (a login per pair on the machines it uses; see role lab_students).
    "lab_student_access": False, "lab_student_prefix": "", "lab_student_folders": "",
}
# Settings that hold messages: taken as the inventory holds them. Only a value that is itself one
# template (lab_roster: "{{ lookup('file', 'roster.json') | from_json }}") is rendered, once; the
# messages that come out of it are data.
LITERAL = {"lab_roster": [], "lab_messages": {}, "lab_scenarios": {}}
# What the plan needs to know of each inventory host.
HOST_KEYS = ("ansible_host", "lab_address", "ansible_connection", "lab_student_address",
             "lab_student_port")


def plain(value):
    """The value as plain JSON data: no trust tags left for a later template to act on."""
    return json.loads(json.dumps(value))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        try:
            settings = {key: self._templar.template(task_vars.get(key, default))
                        for key, default in RENDERED.items()}
            for key, default in LITERAL.items():
                value = task_vars.get(key, default)
                settings[key] = self._templar.template(value) if isinstance(value, str) else value
            settings = plain(settings)
            # A relative captures folder (the collection's default, `captures`) is the folder
            # ansible-playbook runs in.
            if settings["lab_captures_dir"]:
                settings["lab_captures_dir"] = os.path.abspath(str(settings["lab_captures_dir"]))
            settings["controller"] = task_vars.get("inventory_hostname", "localhost")
            if build_plan is None:
                raise PlanError("The tcplab package is not installed in the Python Ansible runs on: run "
                                "make setup in the project (it installs it into the lab's virtualenv), or "
                                "pip install the project's folder into that Python.")
            # What students' ssh reaches the controller by, unless lab_student_address says.
            settings["controller_address"] = socket.gethostname()
            settings["report_languages"] = sorted(languages())
            settings["lab_run_id"] = self._run_id(settings["lab_run_id"], settings["lab_captures_dir"])
            inventory = self._inventory(task_vars)
            records = self._records(os.path.join(settings["lab_captures_dir"], settings["lab_run_id"]))
            plan = build_plan(settings, inventory, records)
            check_same_class(self._earlier_plan(plan["run_dir"]), plan)
            if not self._task.check_mode:  # --check writes nothing, not even the run folder
                self._make_run_folder(plan)
        except PlanError as error:
            result.update(failed=True, msg=str(error))
            return result
        except AnsibleError as error:
            result.update(failed=True, msg=f"Cannot read the lab's settings: {error.message}")
            return result
        except OSError as error:
            result.update(failed=True, msg=f"Cannot make the run folder: {error}")
            return result
        result.update(changed=False, plan=plain(plan), check_mode=bool(self._task.check_mode))
        return result

    @staticmethod
    def _run_id(given, captures_dir):
        """A new run gets the UTC time; `latest` is the run captures/latest points at."""
        if given == "latest":
            link = os.path.join(captures_dir, "latest")
            if not os.path.islink(link):
                raise PlanError(f"lab_run_id 'latest': there is no earlier run in {captures_dir}; "
                                "leave lab_run_id empty for a new run.")
            return check_run_id(os.path.basename(os.readlink(link)))
        if given:
            return check_run_id(str(given))
        now = datetime.datetime.now(datetime.timezone.utc)
        run_id = now.strftime("%Y%m%dT%H%M%SZ")
        # Two runs started in one second must not share a folder.
        number = 1
        while os.path.exists(os.path.join(captures_dir, run_id)):
            number += 1
            run_id = now.strftime("%Y%m%dT%H%M%SZ") + f"-{number}"
        return run_id

    def _inventory(self, task_vars):
        hostvars = task_vars["hostvars"]
        groups = task_vars.get("groups", {})
        hosts = {}
        for name in groups.get("all", []):
            facts = hostvars[name]
            hosts[name] = plain({key: self._templar.template(facts.get(key))
                                 for key in HOST_KEYS if facts.get(key) is not None})
        return {"hosts": hosts, "groups": plain({k: list(v) for k, v in groups.items()})}

    @staticmethod
    def _earlier_plan(run_dir):
        """The plan.json the run folder has from an earlier run under this id, or None."""
        try:
            with open(os.path.join(run_dir, "plan.json"), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    @staticmethod
    def _make_run_folder(plan):
        """The run's folder with its plan.json and a folder per pair, made here, as the user who
        runs the lab: what root writes into them later (tcpdump's pcaps) stays in the user's
        folders. plan.json is the class as this run has it (what is still to do is left out: it
        changes from one run under the run id to the next); `make watch` and grading read it.
        When students have logins, the captures folder and the run folder are the teacher's
        alone (mode 700): no login reads another pair's captures or the run's logins."""
        for pair in plan["pairs"]:
            os.makedirs(os.path.join(plan["run_dir"], pair["name"]), exist_ok=True)
        if plan["logins"]:
            os.chmod(plan["captures_dir"], 0o700)
            os.chmod(plan["run_dir"], 0o700)
        text = json.dumps({key: value for key, value in plan.items() if key != "todo"}, indent=2,
                          ensure_ascii=False) + "\n"
        path = os.path.join(plan["run_dir"], "plan.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    return
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)

    @staticmethod
    def _records(run_dir):
        """{(pair, scenario): status} of the records this run already has (a re-run)."""
        records = {}
        if not os.path.isdir(run_dir):
            return records
        for pair in sorted(os.listdir(run_dir)):
            folder = os.path.join(run_dir, pair)
            if not os.path.isdir(folder) or os.path.islink(folder):
                continue
            for name in os.listdir(folder):
                if not name.endswith(".json"):
                    continue
                try:
                    with open(os.path.join(folder, name), encoding="utf-8") as f:
                        record = json.load(f)
                    records[(record["pair"], record["scenario"])] = record["status"]
                except (OSError, ValueError, KeyError, TypeError):
                    continue  # an unreadable record is no record: the capture is taken again
        return records
