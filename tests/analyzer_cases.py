"""Crafted captures and jobs shared by the analyzer tests."""

from __future__ import annotations

import json
from pathlib import Path

from tcplab import craft
from tcplab.formats import wire
from tcplab.analysis.analyze import CaptureAnalysis, analyze
from tcplab.craft import C, Flow, S
from tcplab.formats.manifest import CaptureJob
from tcplab.formats.scenarios import course_scenarios

UPCALL = course_scenarios()["upcall"]
REQRESP = course_scenarios()["reqresp"]


def job(pcap: Path, scenario: str = "reqresp", messages: list[str] | None = None,
        port: int | None = None, counts: dict | None = None, inferred: bool = False,
        pair: str = "p01") -> CaptureJob:
    spec = course_scenarios()[scenario]
    return CaptureJob(pair=pair, scenario=scenario, pcap=pcap, pcap_name=pcap.name, spec=spec,
                      messages=messages, server_port=port if port is not None else spec.port,
                      counts=counts, inferred=inferred)


def run(flow: Flow, tmp: Path, scenario: str = "reqresp", messages: list[str] | None = None,
        name: str = "c.pcap", **options) -> CaptureAnalysis:
    """Write the flow as a pcap and analyse it."""
    pcap = craft.write_pcap(tmp / name, flow.frames)
    return analyze(job(pcap, scenario, messages, **options))


def reqresp_flow(messages: list[str], *, server_acks_first: bool = True,
                 four_way: bool = False, port: int = 2222) -> Flow:
    return craft.lab_flow(messages, REQRESP.reply_format, client=("10.213.1.3", 42476),
                          server=("10.213.1.2", port), start=1763745781.0,
                          server_acks_first=server_acks_first, four_way=four_way)


def upcall_flow(messages: list[str], **options) -> Flow:
    return craft.lab_flow(messages, UPCALL.reply_format, client=("10.213.1.3", 42476),
                          server=("10.213.1.2", 4141), start=1763745781.0, **options)


def exchange(flow: Flow, message: str, reply: str | None = None) -> None:
    """One request/reply with the server's pure ACK, as the lab programs make it."""
    flow.send(C, wire.encode(message))
    flow.ack(S)
    flow.send(S, wire.encode(message if reply is None else reply))
    flow.ack(C)


def write_run(root: Path, captures: list[dict], pairs: list[str],
              scenarios: list[str] = ["reqresp", "upcall"]) -> Path:
    """A manifest.json (schema tcplab.manifest/1) for captures already written under root."""
    manifest = {
        "schema": "tcplab.manifest/1", "run_id": "20261121T172300Z", "lab_id": "tcplab",
        "settings": {"pairs": pairs, "scenarios": scenarios},
        "scenarios": {name: {"port": course_scenarios()[name].port,
                             "reply_format": course_scenarios()[name].reply_format,
                             "server": f"{name}/server.py", "client": f"{name}/client.py",
                             "messages": ["hello"]} for name in scenarios},
        "versions": {"python": "3.11.7"},
        "captures": captures,
        "files": {},
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return root / "manifest.json"


def manifest_capture(pair: str, scenario: str, messages: list[str], port: int | None = None,
                     counts: dict | None = None, status: str = "ok") -> dict:
    spec = course_scenarios()[scenario]
    return {
        "pair": pair, "scenario": scenario, "status": status, "reasons": [],
        "server": {"host": f"tcplab-{pair}-server", "address": "10.213.1.2",
                   "port": port or spec.port, "rc": 0},
        "client": {"host": f"tcplab-{pair}-client", "address": "10.213.1.3", "rc": 0},
        "capture": {"host": "localhost", "interface": "lo",
                    "counts": counts or {"captured": 0, "received_by_filter": 0,
                                         "dropped_by_kernel": 0}},
        "messages": messages, "expected_replies": [spec.reply(m) for m in messages],
        "answered": len(messages),
        "files": {"pcap": f"{pair}/{scenario}.pcap",
                  "server_log": f"{pair}/{scenario}.server.log",
                  "client_log": f"{pair}/{scenario}.client.log"},
    }
