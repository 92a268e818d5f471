#!/usr/bin/python
"""Documentation of the action plugin tcplab.lab.record (it runs on the controller)."""

DOCUMENTATION = r"""
module: record
short_description: Judge and record a batch of captures on the controller
description:
  - An action plugin - it runs on the controller, in Ansible's own process, after a batch (a Docker
    host's, or a wave of pairs on machines). Unpacks the fetched archives of pcaps into the run
    folder, then writes for every capture of the batch its transcripts and its record
    (C(<pair>/<scenario>.json), see DESIGN.md) and decides its status; the pcap's sha256 on the
    controller must be the capture host's.
  - A capture without any result (its machines did not report) is recorded as failed, saying so;
    one whose machine failed earlier in the run (O(unready)) as not run, naming that machine.
  - Changes nothing when the files already hold the same content.
options:
  run_dir: {type: path, required: true, description: The run's folder.}
  scenarios: {type: dict, required: true, description: "The batch's scenarios (name, port, reply_format), by name."}
  todo: {type: dict, required: true, description: "The batch's captures: scenario -> names of pairs."}
  results: {type: list, elements: raw, required: true, description: "Parts of the results, {<pair>/<scenario>: partial result} each, in step order."}
  archives: {type: dict, default: {}, description: "The archive of pcaps fetched from each capture host (host: path; members <pair>/<scenario>.pcap). A host only delivers its own pairs' captures; members are streamed, each at most 1 GiB."}
  unready: {type: list, elements: str, default: [], description: "Machines of the run that failed earlier (not among the play's hosts); their pairs' captures were not run."}
extends_documentation_fragment:
  - tcplab.lab.records.pairs
author: tcplab
"""

EXAMPLES = r"""
- name: Record the captures of this Docker host
  tcplab.lab.record:
    run_dir: "{{ lab_plan.run_dir }}"
    scenarios: "{{ lab_plan.scenarios }}"
    pairs: "{{ lab_plan.pairs | selectattr('docker_host', 'equalto', inventory_hostname) | list }}"
    todo: "{{ lab_plan.todo }}"
    results: ["{{ exchange.by_capture }}"]
    archives: "{{ {inventory_hostname: lab_plan.run_dir ~ '/.incoming/' ~ inventory_hostname ~ '.tar'} }}"
"""

RETURN = r"""
records: {description: "Per capture: pair, scenario, status, reasons.", type: list, returned: always}
"""
