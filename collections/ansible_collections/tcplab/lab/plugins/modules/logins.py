#!/usr/bin/python
"""Documentation of the action plugin tcplab.lab.logins (it runs on the controller)."""

DOCUMENTATION = r"""
module: logins
short_description: Give each pair without SSH keys a password, for the teacher alone
description:
  - An action plugin - it runs on the controller, in Ansible's own process, once per run with
    students' logins (C(lab_student_access)).
  - Every pair whose login has no SSH keys gets a password - the one this lab's latest
    C(logins.csv) in the captures folder gives it (a re-provision keeps passwords), else a new
    one (12 characters, about 60 bits; all new with C(rotate)).
  - Writes C(<run>/logins.csv), mode 600 - lab, pair, host, login, password and the ssh and scp
    commands, one row per pair and machine - and, with C(handout), writes the passwords into the
    pairs' hand-outs too (mode 600). The result holds no password.
options:
  plan: {type: dict, required: true, description: The run's plan (role lab_plan).}
  rotate: {type: bool, default: false, description: Give every pair a new password.}
  handout: {type: bool, default: false, description: Write each pair's password into its hand-out.}
attributes:
  check_mode: {support: full, details: Writes nothing.}
author: tcplab
"""

EXAMPLES = r"""
- name: Give each pair its password and write them for the teacher
  tcplab.lab.logins:
    plan: "{{ lab_plan }}"
  register: __lab_students_logins
"""

RETURN = r"""
file: {description: The run's logins.csv., type: str, returned: always, sample: /home/teacher/tcplab/captures/20261122T050221Z/logins.csv}
new: {description: The logins whose password is new this run., type: list, returned: always, sample: [tcplab-p01]}
kept: {description: The logins that keep the password of an earlier provision., type: list, returned: always, sample: []}
text: {description: "The login program's sentences in the plan's language (login.* of tcplab/lang).", type: dict, returned: always}
"""
