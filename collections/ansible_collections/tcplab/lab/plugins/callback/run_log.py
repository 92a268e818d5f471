"""Notification callback tcplab.lab.run_log: the whole log of a run, in its run folder."""

DOCUMENTATION = r"""
name: run_log
type: notification
short_description: Write the whole log of a lab run to captures/<run-id>/ansible.log
description:
  - Enabled in the project's ansible.cfg, whatever shows on the terminal. Once the plan names the
    run folder, every play, task and result of the run is written to C(ansible.log) there - each
    result with its status and host, a failed one with all Ansible returned - and a run under the
    same run id appends to it, under a line that says when it started.
  - A run that fails before its plan (a bad setting) has no folder and writes no log; its error is
    on the terminal. A run in check mode (C(--check)) writes nothing, this log included.
"""

import datetime
import json
import os

from ansible.plugins.callback import CallbackBase

KEEP_OUT = {"invocation", "_ansible_no_log", "_ansible_verbose_always", "_ansible_verbose_override"}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "tcplab.lab.run_log"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.pending = [f"=== ansible-playbook started {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%M:%SZ}"]
        self.path = None

    def write(self, text):
        if self.path is None:
            self.pending.append(text)
            return
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(text + "\n")

    def v2_playbook_on_play_start(self, play):
        self.write(f"\nPLAY [{play.get_name()}]")

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.write(f"TASK [{task.get_name()}]")

    def result(self, status, result, detail=False):
        host, answer = result.host.get_name(), result.result
        label = answer.get("_ansible_item_label", answer.get("item"))
        item = f" (item={label})" if label is not None else ""
        line = f"{status}: [{host}]{item}"
        shown = {k: v for k, v in answer.items() if k not in KEEP_OUT and not k.startswith("_ansible")}
        if detail:
            line += " => " + json.dumps(shown, default=str, ensure_ascii=False, sort_keys=True)
        elif "msg" in shown and result.task.action in ("ansible.builtin.debug", "debug"):
            line += " => " + json.dumps(shown["msg"], default=str, ensure_ascii=False)
        for warning in answer.get("warnings") or []:
            line += f"\n[WARNING] {warning}"
        self.write(line)

    def v2_runner_on_ok(self, result):
        if result.task.action == "tcplab.lab.plan" and "plan" in result.result \
                and not result.result.get("check_mode"):
            self.start_log(result.result["plan"]["run_dir"])
        self.result("changed" if result.result.get("changed") else "ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.result("failed (ignored)" if ignore_errors else "FAILED", result, detail=True)

    def v2_runner_on_unreachable(self, result):
        self.result("UNREACHABLE", result, detail=True)

    def v2_runner_on_skipped(self, result):
        self.result("skipped", result)

    def v2_runner_item_on_ok(self, result):
        self.result("changed" if result.result.get("changed") else "ok", result)

    def v2_runner_item_on_failed(self, result):
        self.result("FAILED", result, detail=True)

    def v2_playbook_on_stats(self, stats):
        self.write("\nRECAP")
        for host in sorted(stats.processed):
            counts = stats.summarize(host)
            self.write(f"{host}: " + " ".join(f"{key}={value}" for key, value in counts.items()))

    def start_log(self, run_dir):
        if self.path is not None or not os.path.isdir(run_dir):
            return
        self.path = os.path.join(run_dir, "ansible.log")
        pending, self.pending = self.pending, []
        with open(self.path, "a", encoding="utf-8") as log:
            log.write("\n".join(pending) + "\n")
