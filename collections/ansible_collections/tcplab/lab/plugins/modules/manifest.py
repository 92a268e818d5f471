#!/usr/bin/python
"""Documentation of the action plugin tcplab.lab.manifest (it runs on the controller)."""

DOCUMENTATION = r"""
module: manifest
short_description: Write a run's manifest.json and the captures/latest link
description:
  - An action plugin - it runs on the controller, in Ansible's own process. Reads each expected
    capture's record (C(<pair>/<scenario>.json)); a capture without one failed before it could be
    recorded. Checksums every file of the run (sha256) and writes C(manifest.json) (schema
    C(tcplab.manifest/1), see DESIGN.md); points C(<captures>/latest) at the run. (The report writes
    C(summary.txt), in the report's language.)
  - Changes nothing when the run's files are unchanged.
options:
  run_dir: {type: path, required: true, description: The run's folder.}
  run_id: {type: str, required: true, description: The run id.}
  lab_id: {type: str, required: true, description: The lab id.}
  pairs: {type: list, elements: str, required: true, description: The pairs of the class.}
  scenarios: {type: dict, required: true, description: "The scenarios each pair ran, by name."}
  settings: {type: dict, default: {}, description: Settings to record.}
  versions: {type: dict, default: {}, description: "Versions to record beside the controller's ansible-core and
    Python, and the tcpdump versions and image ids the captures' records name."}
author: tcplab
"""

EXAMPLES = r"""
- name: Write the run's manifest
  tcplab.lab.manifest:
    run_dir: "{{ lab_plan.run_dir }}"
    run_id: "{{ lab_plan.run_id }}"
    lab_id: "{{ lab_plan.lab_id }}"
    pairs: "{{ lab_plan.pairs | map(attribute='name') | list }}"
    scenarios: "{{ lab_plan.scenarios }}"
    versions:
      image: "{{ lab_plan.image }}"
  register: manifest
"""

RETURN = r"""
counts: {description: "One line, e.g. Run <id>: 3 of 4 captures ok.", type: str, returned: always}
failed_captures: {description: "The captures that are not ok, as <pair>/<scenario>.", type: list, returned: always}
"""
