#!/usr/bin/python
"""Ansible module: write a run's manifest.json and summary from its capture records."""

DOCUMENTATION = r"""
module: lab_manifest
short_description: Write a run's manifest.json, summary.txt and the captures/latest link
description:
  - Runs on the controller at the end of a run. Reads each expected capture's record
    (C(<pair>/<scenario>.json)); a capture without one failed before it could be recorded.
    Checksums every file of the run (sha256) and writes C(manifest.json) (schema
    C(tcplab.manifest/1), see DESIGN.md) and C(summary.txt); points C(<captures>/latest) at the run.
  - Changes nothing when the run's files are unchanged.
options:
  run_dir: {type: path, required: true, description: The run's folder.}
  run_id: {type: str, required: true, description: The run id.}
  lab_id: {type: str, required: true, description: The lab id.}
  pairs: {type: list, elements: str, required: true, description: The pairs of the class.}
  scenarios: {type: dict, required: true, description: The scenarios each pair ran, by name.}
  settings: {type: dict, default: {}, description: Settings to record.}
  versions: {type: dict, default: {}, description: Versions to record beside the controller's ansible-core and Python.}
author: tcplab
"""

import json
import os
import platform

from ansible.module_utils.ansible_release import __version__ as ansible_core_version
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.lab_files import sha256, write_if_changed

# Derived from the captures, after the manifest or by it, so not listed in it: the manifest, the
# summary and the report (its pages and the ladder diagrams).
NOT_LISTED = {"manifest.json", "summary.txt", "report.html", "report.md", "report.json"}
NOT_LISTED_FOLDERS = {"ladders"}


def run_files(run_dir):
    """sha256 of every file of the run, by path relative to the run folder."""
    files = {}
    for root, dirs, names in os.walk(run_dir):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, run_dir)
            if relative in NOT_LISTED or name.endswith(".tmp") or relative.split(os.sep)[0] in NOT_LISTED_FOLDERS:
                continue
            files[relative] = sha256(path)
    return files


def missing_record(pair, scenario):
    return {"pair": pair, "scenario": scenario, "status": "failed",
            "reasons": ["no record: the pair stopped before this capture was recorded "
                        "(see the playbook's output for the pair)"],
            "files": {}, "messages": [], "answered": 0, "capture": {"counts": None}}


def records(run_dir, pairs, scenarios):
    found = []
    for pair in pairs:
        for scenario in scenarios:
            path = os.path.join(run_dir, pair, scenario + ".json")
            try:
                with open(path, encoding="utf-8") as f:
                    found.append(json.load(f))
            except (OSError, ValueError):
                found.append(missing_record(pair, scenario))
    return found


def summary(run_id, run_dir, captures):
    failed = [c for c in captures if c["status"] != "ok"]
    pairs = sorted({c["pair"] for c in captures})
    scenarios = list(dict.fromkeys(c["scenario"] for c in captures))
    width = max([4] + [len(p) for p in pairs])
    lines = [f"Run {run_id}: {len(pairs)} pair(s) x {len(scenarios)} scenario(s), "
             f"{len(captures) - len(failed)} of {len(captures)} captures ok",
             f"{'pair':<{width}}  {'scenario':<10} {'packets':>7}  {'answered':>8}  status"]
    for c in captures:
        counts = (c.get("capture") or {}).get("counts") or {}
        packets = counts.get("captured", "-")
        answered = f"{c.get('answered', 0)}/{len(c.get('messages', []))}"
        status = "ok" if c["status"] == "ok" else "FAILED: " + "; ".join(c["reasons"])
        lines.append(f"{c['pair']:<{width}}  {c['scenario']:<10} {packets:>7}  {answered:>8}  {status}")
    lines.append(f"Report: {os.path.join(run_dir, 'report.html')}")
    lines.append(f"Run folder: {run_dir}")
    return lines


def point_latest(run_dir):
    link = os.path.join(os.path.dirname(run_dir), "latest")
    target = os.path.basename(run_dir)
    if os.path.islink(link) and os.readlink(link) == target:
        return False
    tmp = link + ".tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, link)
    return True


def main():
    module = AnsibleModule(
        argument_spec={
            "run_dir": {"type": "path", "required": True},
            "run_id": {"type": "str", "required": True},
            "lab_id": {"type": "str", "required": True},
            "pairs": {"type": "list", "elements": "str", "required": True},
            "scenarios": {"type": "dict", "required": True},
            "settings": {"type": "dict", "default": {}},
            "versions": {"type": "dict", "default": {}},
        },
        supports_check_mode=False,
    )
    p = module.params
    run_dir = p["run_dir"]
    os.makedirs(run_dir, exist_ok=True)
    captures = records(run_dir, p["pairs"], list(p["scenarios"]))
    manifest = {
        "schema": "tcplab.manifest/1",
        "run_id": p["run_id"],
        "lab_id": p["lab_id"],
        "settings": p["settings"],
        "scenarios": p["scenarios"],
        "versions": {"ansible_core": ansible_core_version, "python": platform.python_version(),
                     **p["versions"]},
        "captures": captures,
        "files": run_files(run_dir),
    }
    lines = summary(p["run_id"], run_dir, captures)
    changed = write_if_changed(os.path.join(run_dir, "manifest.json"),
                               json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    changed |= write_if_changed(os.path.join(run_dir, "summary.txt"), "\n".join(lines) + "\n")
    changed |= point_latest(run_dir)
    failed = [f"{c['pair']}/{c['scenario']}" for c in captures if c["status"] != "ok"]
    module.exit_json(changed=changed, summary=lines, failed_captures=failed,
                     manifest=os.path.join(run_dir, "manifest.json"))


if __name__ == "__main__":
    main()
