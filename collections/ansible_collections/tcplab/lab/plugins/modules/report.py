#!/usr/bin/python
"""Documentation of the action plugin tcplab.lab.report (it runs on the controller)."""

DOCUMENTATION = r"""
module: report
short_description: Read every capture of a run and write the report
description:
  - An action plugin - it runs the project's analyzer (the C(tcplab) package, C(tcplab report))
    in Ansible's own process on the controller, writing report.html, report.md, report.json and the
    ladder diagrams into the run folder.
  - Does nothing when the report is newer than the run's manifest, so re-running a complete run
    changes nothing.
options:
  run_dir: {type: path, required: true, description: The run's folder (with its manifest.json).}
  options: {type: list, elements: str, default: [], description: More options for the analyzer's command line.}
author: tcplab
"""

EXAMPLES = r"""
- name: Read every capture of the run and write the report, in the plan's language
  tcplab.lab.report:
    run_dir: "{{ lab_plan.run_dir }}"
    options: [--language, "{{ lab_plan.report_language }}"]
"""

RETURN = r"""
output: {description: What the analyzer printed., type: list, returned: when it ran}
"""
