#!/usr/bin/python
"""Ansible module: run the clients of the pairs this machine is the client of, at once."""

DOCUMENTATION = r"""
module: client
short_description: Run the clients of this machine's pairs, concurrently
description:
  - Runs on a client machine of pairs on machines. Runs each pair's client program with its
    messages as arguments (never through a shell) against its server, all pairs at once, and
    returns what each printed and its exit status. A client that runs past its time is stopped.
options:
  pairs: {type: list, elements: dict, required: true, description: "The plan's records of the pairs whose client runs here."}
  scenario: {type: dict, required: true, description: "The scenario (name, port, client)."}
  run: {type: dict, required: true, description: "The plan's remote_dir."}
  reply_timeout: {type: int, default: 10, description: Seconds the client waits for each reply.}
author: tcplab
"""

RETURN = r"""
by_capture: {description: "{<pair>/<scenario>: {client: ..., error: ...}} (a part of each pair's result).", type: dict, returned: always}
"""

import concurrent.futures
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tcplab.lab.plugins.module_utils.exchange import client_argv, client_deadline


def run_client(params, pair):
    scenario, timeout = params["scenario"], params["reply_timeout"]
    limit = client_deadline(pair, scenario, timeout)
    try:
        done = subprocess.run(client_argv(params["run"], scenario, pair, timeout), capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=limit, check=False)
    except subprocess.TimeoutExpired as expired:
        return {"client": {"ran": True, "rc": None, "stdout": _text(expired.stdout), "stderr": _text(expired.stderr)},
                "error": f"the client did not finish within {limit} s"}
    except OSError as error:
        return {"client": {"ran": False}, "error": f"starting the client: {error}"}
    return {"client": {"ran": True, "rc": done.returncode, "stdout": _text(done.stdout),
                       "stderr": _text(done.stderr)}, "error": ""}


def _text(data):
    return (data or b"").decode("utf-8", "replace")


def main():
    module = AnsibleModule(
        argument_spec={
            "pairs": {"type": "list", "elements": "dict", "required": True},
            "scenario": {"type": "dict", "required": True},
            "run": {"type": "dict", "required": True},
            "reply_timeout": {"type": "int", "default": 10},
        },
        supports_check_mode=False,
    )
    p = module.params
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(p["pairs"]))) as pool:
        parts = list(pool.map(lambda pair: run_client(p, pair), p["pairs"]))
    scenario = p["scenario"]["name"]
    module.exit_json(changed=bool(p["pairs"]),
                     by_capture={f"{pair['name']}/{scenario}": part for pair, part in zip(p["pairs"], parts)})


if __name__ == "__main__":
    main()
