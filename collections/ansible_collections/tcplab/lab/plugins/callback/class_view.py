"""Stdout callback tcplab.lab.class_view: a class run as a teacher follows it."""

DOCUMENTATION = r"""
name: class_view
type: stdout
short_description: A lab run in a few lines - the plan, one line per phase, the class's summary
description:
  - "What C(make lab) shows. First the plan (pairs, scenarios, machines, the run folder), then one
    line per phase as it advances - machines ready, the image, the pairs set up, the captures
    taken - with, on a terminal, a live count while a Docker host runs its pairs
    (C(exchange  28/64 done, 27 ok, 1 failed, 16 running)). A capture that failed is named once,
    with its cause on the same line. Last the run's summary table (summary.txt), the report and
    the run folder, and how to retry what failed."
  - Anything else that fails (a machine, a setting) is one line naming the host, the step and the
    error. The whole log of the run is in the run folder (callback tcplab.lab.run_log), and
    C(make lab V=1) shows it instead of this view.
"""

import os
import re
import shlex
import sys
import threading
import time

from ansible.plugins.callback import CallbackBase

ACTION = "tcplab.lab."
# An ARGS word that gives the run id (lab_run_id=...), which the retry hint replaces.
RUN_ID_ARG = re.compile(r"^lab_run_id=")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "tcplab.lab.class_view"

    def __init__(self):
        super().__init__()
        self.plan, self.check_mode = None, False
        self.started = time.time()
        self.ready = []
        self.set_up = [0, 0]
        self.recorded = {}
        self.reasons = {}
        self.failed_hosts = 0
        self.progress = None

    # --- what the teacher sees ------------------------------------------------------------------

    def line(self, phase, text):
        self.stop_progress()
        self._display.display(f"{phase:<10} {text}")

    def warnings(self, result):
        """Ansible's warnings of a result, as Ansible shows them (a method it may rename one day)."""
        show = getattr(self, "_handle_warnings", None)
        if show is not None:
            show(result.result)
        else:
            self._handle_warnings_and_exception(result)

    def v2_runner_on_ok(self, result):
        self._handle_warnings_and_exception(result)
        action, answer, host = result.task.action, result.result, result.host.get_name()
        if action == ACTION + "plan":
            self.plan, self.check_mode = answer["plan"], bool(answer.get("check_mode"))
            self.show_plan()
        elif action == ACTION + "machine" and self.ready is not True:
            self.ready.append(host)
            if answer.get("stopped"):
                self.line("machines", f"{host}: {'would stop' if self.check_mode else 'stopped'} "
                          f"{len(answer['stopped'])} thing(s) an earlier run left running")
        elif action == ACTION + "docker_image":
            if answer.get("present"):
                self.line("image", f"{answer['name']} {answer.get('how', 'present')} on {host}")
            elif self.check_mode:
                self.line("image", f"{answer['name']} is not on {host}: a run would build it offline")
            else:
                self.line("image", f"{answer['name']} is not on {host}: building it offline (a minute, once)")
        elif action == ACTION + "docker_class":
            pairs = answer.get("pairs") or {}
            good = [name for name, state in pairs.items() if not state.get("error")]
            if self.check_mode:
                self.line("provision", would_provision(pairs, host))
            else:
                self.line("provision", f"{len(good)} of {len(pairs)} pairs set up on {host}")
        elif action == ACTION + "logins":
            self.line("logins", f"passwords in {answer['file']} (yours alone, mode 600)"
                      if answer.get("new") or answer.get("kept") else "every pair logs in with its key")
        elif action == ACTION + "accounts":
            logins = answer.get("logins") or {}
            good = sorted(result["user"] for result in logins.values() if not result.get("error"))
            self.line("logins", f"{len(good)} of {len(logins)} pairs can log in on {host}"
                      + (f" ({good[0]}{', ...' if len(good) > 1 else ''})" if good else ""))
        elif action == ACTION + "record":
            self.show_records(answer.get("records") or [])
        elif action == ACTION + "report" and answer.get("changed"):
            self.line("report", "report.html, grades.csv and the ladders written")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.warnings(result)  # the error itself is said below, in one line
        if ignore_errors:
            return
        self.failed_hosts += 1
        message = " ".join(str(result.result.get("msg") or result.result.get("stderr") or "failed").split())
        name = result.task.get_name().split(" : ")[-1]
        if self.reasons and name.endswith("Check that every capture is complete"):
            return  # the failed captures are named at the end, with how to retry them
        if result.task.action == ACTION + "plan":
            self.line("error", message)
        else:
            self.line("error", f"{result.host.get_name()}: {name}: {message}")

    def v2_runner_on_unreachable(self, result):
        self.failed_hosts += 1
        message = " ".join(str(result.result.get("msg") or "unreachable").split())
        self.line("error", f"{result.host.get_name()} is unreachable: {message}")

    def v2_runner_on_skipped(self, result):
        pass

    def v2_runner_item_on_failed(self, result):
        self.v2_runner_on_failed(result)

    def show_plan(self):
        plan = self.plan
        todo = sum(len(names) for names in plan["todo"].values())
        total = len(plan["pairs"]) * len(plan["scenarios"])
        where = ", ".join(plan["machines"])
        self._display.display(f"Run {plan['run_id']}: {len(plan['pairs'])} pair(s) x "
                              f"{', '.join(plan['scenarios'])} on {where}")
        if todo < total:
            self._display.display(f"{total - todo} of {total} captures are already complete; taking the other {todo}")
        self._display.display(f"Run folder: {plan['run_dir']}"
                              + (" (check mode: not made)" if self.check_mode else ""))

    def show_records(self, records):
        for record in records:
            self.recorded[(record["pair"], record["scenario"])] = record["status"]
            if record["status"] != "ok":
                self.reasons[(record["pair"], record["scenario"])] = "; ".join(record["reasons"])
        parts = []
        for scenario, names in self.plan["todo"].items():
            statuses = [self.recorded[(name, scenario)] for name in names if (name, scenario) in self.recorded]
            if statuses:
                failed = sum(status != "ok" for status in statuses)
                parts.append(f"{scenario} {len(statuses) - failed}/{len(names)} ok" + (f", {failed} failed" if failed else ""))
        self.line("exchange", ", ".join(parts))

    # --- the live count while a Docker host runs its pairs ----------------------------------------

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.stop_progress()
        if self.ready and self.ready is not True:
            self.line("machines", f"{len(self.ready)} ready: {', '.join(self.ready)}")
            self.ready = True  # said once
        if task.action == ACTION + "docker_exchange" and self.plan and sys.stdout.isatty():
            total = sum(len(names) for names in self.plan["todo"].values())
            self.progress = Progress(os.path.join(self.plan["run_dir"], ".progress"), total)
            self.progress.start()

    def stop_progress(self):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    # --- the end --------------------------------------------------------------------------------

    def v2_playbook_on_stats(self, stats):
        self.stop_progress()
        if not self.plan:
            return
        if self.check_mode:
            todo = [f"{pair}/{scenario}" for scenario, names in self.plan["todo"].items()
                    for pair in names]
            self._display.display(f"Check mode: nothing was changed or written. A run would take "
                                  f"{len(todo)} capture(s)" + (f": {', '.join(todo[:8])}"
                                  + (", ..." if len(todo) > 8 else "") if todo else "") + ".")
            return
        summary = os.path.join(self.plan["run_dir"], "summary.txt")
        if os.path.exists(summary) and os.path.getmtime(summary) >= self.started:
            with open(summary, encoding="utf-8") as f:
                self._display.display("\n" + f.read().rstrip("\n"))
        else:  # the run stopped before its summary: name what failed here, once
            for (pair, scenario), reasons in sorted(self.reasons.items()):
                self.line("FAILED", f"{pair}/{scenario}: {reasons}")
        failed = sorted(f"{pair}/{scenario}" for pair, scenario in self.reasons)
        if failed:
            self._display.display(f"{len(failed)} capture(s) failed. To retry just those: "
                                  f"{retry_command(self.plan['run_id'])}")
        if self.failed_hosts:
            self._display.display(f"The whole log: {os.path.join(self.plan['run_dir'], 'ansible.log')}")



def would_provision(pairs, host):
    """The provision line of a --check run: what setting the pairs up would make or replace."""
    counts = {}
    for state in pairs.values():
        for step in state.get("would") or []:
            verb, kind = step.split()[:2]
            counts[(verb, kind)] = counts.get((verb, kind), 0) + 1
    if not counts:
        return f"all {len(pairs)} pairs as planned on {host}: nothing to change"
    said = ", ".join(f"{verb} {number} {kind}(s)" for (verb, kind), number in sorted(counts.items()))
    return f"would {said} on {host}"


def retry_command(run_id, environ=None):
    """The make command that retries a run's failed captures, to paste as printed: the command
    that ran (make passes its INVENTORY, PYTHON and ARGS on) with lab_run_id set to the run's."""
    environ = os.environ if environ is None else environ
    try:
        words = shlex.split(environ.get("TCPLAB_MAKE_ARGS", ""))
    except ValueError:
        words = []
    args, skip = [], False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word in ("-e", "--extra-vars") and index + 1 < len(words) and RUN_ID_ARG.match(words[index + 1]):
            skip = True
            continue
        if RUN_ID_ARG.match(word) or (word.startswith("-e") and RUN_ID_ARG.match(word[2:])):
            continue
        args.append(word)
    args += ["-e", f"lab_run_id={run_id}"]
    command = ["make", "lab"]
    for name in ("INVENTORY", "PYTHON"):
        if environ.get(f"TCPLAB_MAKE_{name}"):
            command.append(f"{name}={shlex.quote(environ[f'TCPLAB_MAKE_{name}'])}")
    command.append(f"ARGS={shlex.quote(shlex.join(args))}")
    return " ".join(command)


class Progress(threading.Thread):
    """Counts the progress markers a Docker batch leaves in the run folder, on one terminal line."""

    def __init__(self, folder, total):
        super().__init__(daemon=True)
        self.folder, self.total = folder, total
        self.done = threading.Event()
        self.shown = False

    def counts(self):
        states = {"running": 0, "ok": 0, "failed": 0}
        try:
            names = os.listdir(self.folder)
        except OSError:
            return states
        for name in names:
            try:
                with open(os.path.join(self.folder, name), encoding="utf-8") as f:
                    state = f.read().strip()
            except OSError:
                continue
            if state in states:
                states[state] += 1
        return states

    def run(self):
        while not self.done.wait(0.5):
            states = self.counts()
            if any(states.values()):
                done = states["ok"] + states["failed"]
                sys.stdout.write(f"\r\033[Kexchange   {done}/{self.total} done: {states['ok']} ok, "
                                 f"{states['failed']} failed, {states['running']} running")
                sys.stdout.flush()
                self.shown = True

    def stop(self):
        self.done.set()
        self.join(1)
        if self.shown:
            sys.stdout.write("\r\033[K")
            sys.stdout.flush()
