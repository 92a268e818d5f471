#!/usr/bin/python
"""Documentation of the action plugin tcplab.lab.plan (the work happens on the controller)."""

DOCUMENTATION = r"""
module: plan
short_description: Plan a lab run - the whole class, validated and worked out, before anything runs
description:
  - An action plugin - it runs on the controller and takes no arguments. It reads the lab's
    settings (C(lab_id), C(lab_run_id), C(lab_class_size) or C(lab_roster), C(lab_run_scenarios),
    C(lab_scenarios), C(lab_messages), C(lab_docker_host), C(lab_network_pool),
    C(lab_network_prefix), C(lab_bridge_prefix), C(lab_capture_point), C(lab_capture_host),
    C(lab_capture_interface), C(lab_captures_dir), C(lab_programs_dir), C(lab_remote_dir),
    C(lab_spool), C(lab_image_name), C(lab_report_language), C(lab_messages_seed),
    C(lab_messages_count)) and the inventory's machines, and returns the plan - one record
    per pair with every value a later step needs, the machines that take part, and the captures the
    run still needs (see DESIGN.md, "The plan").
  - A bad setting fails the task with one line naming it and saying what would be right.
  - Messages (in C(lab_roster), C(lab_messages) and C(lab_scenarios)) are taken as they are, never
    templated, and the plan is returned as plain data that no later task renders.
  - C(lab_run_id) empty makes a new run (UTC time stamp); C(latest) re-runs the run that
    C(captures/latest) points at.
  - It makes the run folder and writes C(plan.json) (the plan without what is still to do) into
    it; the hand-outs are the next step's (M(tcplab.lab.handout)). The seed of the pairs' own
    messages (C(lab_messages_seed)) is written nowhere.
options: {}
author: tcplab
"""

EXAMPLES = r"""
- name: Plan the class
  tcplab.lab.plan:
  register: planned

- name: Publish the plan for the later roles
  ansible.builtin.set_fact:
    lab_plan: "{{ planned.plan }}"
"""

RETURN = r"""
plan: {description: The plan (schema tcplab.plan/1)., type: dict, returned: success}
"""
