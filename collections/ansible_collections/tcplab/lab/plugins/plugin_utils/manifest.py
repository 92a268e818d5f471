"""A run's manifest.json (schema tcplab.manifest/1, see DESIGN.md) and captures/latest.

Controller-side, called by the action plugin tcplab.lab.manifest.
"""

import json
import os
import platform

from ansible.module_utils.ansible_release import __version__ as ansible_core_version
from ansible_collections.tcplab.lab.plugins.module_utils.files import sha256, write_if_changed
from tcplab.formats.manifest import MANIFEST_SCHEMA  # the format's one owner, which reads it back

# Derived from the captures, after the manifest or by it, so not listed in it: the manifest, what
# the report writes (its pages, the summary, the grades and the ladder diagrams), the run's log
# (it grows with every run under the run id), the exchange's progress markers and the hand-out
# (written from plan.json, which is listed), and the report's annotated copies of the pcaps.
NOT_LISTED = {"manifest.json", "summary.txt", "report.html", "report.md", "report.json", "grades.csv",
              "ansible.log", "errors.log"}
NOT_LISTED_SUFFIXES = (".tmp", ".annotated.pcapng")
NOT_LISTED_FOLDERS = {"ladders", ".progress", "handout"}


def run_files(run_dir):
    """sha256 of every file of the run, by path relative to the run folder."""
    files = {}
    for root, dirs, names in os.walk(run_dir):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, run_dir)
            if relative in NOT_LISTED or name.endswith(NOT_LISTED_SUFFIXES) \
                    or relative.split(os.sep)[0] in NOT_LISTED_FOLDERS:
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


def write_manifest(run_dir, run_id, lab_id, pairs, scenarios, settings, versions):
    """Write manifest.json and point captures/latest at the run.

    Returns (changed, one line of counts, failed captures as "pair/scenario").
    """
    os.makedirs(run_dir, exist_ok=True)
    captures = records(run_dir, pairs, list(scenarios))
    found = {"tcpdump": sorted({(c.get("capture") or {}).get("tcpdump") for c in captures} - {None, ""}),
             "image_id": sorted({c.get("image") for c in captures} - {None, ""})}
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "run_id": run_id,
        "lab_id": lab_id,
        "settings": settings,
        "scenarios": scenarios,
        "versions": {"ansible_core": ansible_core_version, "python": platform.python_version(),
                     **found, **versions},
        "captures": captures,
        "files": run_files(run_dir),
    }
    changed = write_if_changed(os.path.join(run_dir, "manifest.json"),
                               json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    changed |= point_latest(run_dir)
    failed = [f"{c['pair']}/{c['scenario']}" for c in captures if c["status"] != "ok"]
    counts = f"Run {run_id}: {len(captures) - len(failed)} of {len(captures)} captures ok"
    return changed, counts, failed
