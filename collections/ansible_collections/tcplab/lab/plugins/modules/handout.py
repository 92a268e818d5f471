#!/usr/bin/python
"""Documentation of the action plugin tcplab.lab.handout (it runs on the controller)."""

DOCUMENTATION = r"""
module: handout
short_description: Write every pair's hand-out into the run folder
description:
  - An action plugin - it runs on the controller, in Ansible's own process, after the plan has
    made the run folder (role C(lab_plan)).
  - Writes C(handout/<pair>.md) for every pair and C(handout/index.html) with all of them, one
    printed page per pair, in the plan's report language (the project's C(tcplab.handout)) - the
    seeds' procedure as exact commands for doing the labs by hand (DESIGN.md, "Students' own
    captures").
  - Changed when a file of the hand-out is new or differs.
options:
  plan: {type: dict, required: true, description: The run's plan (role lab_plan).}
attributes:
  check_mode: {support: full, details: Writes nothing.}
author: tcplab
"""

EXAMPLES = r"""
- name: Write each pair's hand-out
  tcplab.lab.handout:
    plan: "{{ lab_plan }}"
"""

RETURN = r"""
folder: {description: The hand-out's folder in the run folder., type: str, returned: always, sample: /home/teacher/tcplab/captures/20261122T050221Z/handout}
files: {description: "The files written: each pair's Markdown, then index.html.", type: list, returned: changed or unchanged, not in check mode}
"""
