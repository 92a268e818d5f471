"""Benchmark: analyse a class's run and write its report (target: under 2 s, pictures aside).

Generates a run folder like the lab makes (DESIGN.md, "Run folder"): 32 pairs x the default
scenarios (reqresp, upcall), 3 messages each, realistic crafted pcaps (tcplab.craft, written with
dpkt) with transcripts and a manifest.json; then times ``tcplab.render.report.write_report`` on it, the
same call ``tcplab report`` makes, first as it is, then without rsvg-convert on PATH
so that no PNG picture of the ladders is drawn (`tcplab.picture`): the 2 s target is for reading
the captures and writing the report, which the pictures (one rsvg-convert per processor) come on
top of.
Prints the figures; it is not a timed test.

    python bench/bench_report.py [--pairs 32] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tcplab import craft
from tcplab.formats.scenarios import course_scenarios
from tcplab.render.report import write_report

MESSAGES = ["hello", "Network lab: message two", "the third and last message"]
TARGET_SECONDS = 2.0


def make_run(root: Path, pairs: int) -> int:
    """Write the pcaps, transcripts and manifest.json of a run; return the number of captures."""
    names = [f"p{index:02d}" for index in range(1, pairs + 1)]
    captures, hashes = [], {}
    for index, pair in enumerate(names):
        (root / pair).mkdir(parents=True, exist_ok=True)
        for scenario in ("reqresp", "upcall"):
            spec = course_scenarios()[scenario]
            server = (f"10.213.{index + 1}.2", spec.port or 2222)
            client = (f"10.213.{index + 1}.3", 40000 + index)
            flow = craft.lab_flow(MESSAGES, spec.reply_format, client=client, server=server,
                                  start=1763745781.0 + index, server_acks_first=index % 3 != 0,
                                  four_way=index % 4 == 0)
            pcap = craft.write_pcap(root / pair / f"{scenario}.pcap", flow.frames)
            hashes[f"{pair}/{scenario}.pcap"] = hashlib.sha256(pcap.read_bytes()).hexdigest()
            (root / pair / f"{scenario}.server.log").write_text(
                "".join(f"Received from client: {m}\n" for m in MESSAGES))
            (root / pair / f"{scenario}.client.log").write_text(
                "".join(f"{spec.reply(m)}\n" for m in MESSAGES))
            captures.append({
                "pair": pair, "scenario": scenario, "status": "ok", "reasons": [],
                "server": {"address": server[0], "port": server[1], "rc": 0},
                "client": {"address": client[0], "rc": 0},
                "capture": {"counts": {"captured": len(flow.frames),
                                       "received_by_filter": len(flow.frames),
                                       "dropped_by_kernel": 0}},
                "messages": MESSAGES, "expected_replies": [spec.reply(m) for m in MESSAGES],
                "answered": len(MESSAGES),
                "files": {"pcap": f"{pair}/{scenario}.pcap",
                          "server_log": f"{pair}/{scenario}.server.log",
                          "client_log": f"{pair}/{scenario}.client.log"}})
    manifest = {
        "schema": "tcplab.manifest/1", "run_id": "bench", "lab_id": "tcplab",
        "settings": {"pairs": names, "scenarios": ["reqresp", "upcall"]},
        "scenarios": {name: {"port": spec.port, "reply_format": spec.reply_format,
                             "messages": MESSAGES} for name, spec in course_scenarios().items()
                      if name in ("reqresp", "upcall")},
        "captures": captures, "files": hashes}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return len(captures)


def timed(root: Path, repeat: int) -> list[float]:
    """Seconds of each of `repeat` runs of the report on the run folder."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        write_report(root)
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the run here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch) / "run"
        root.mkdir(parents=True, exist_ok=True)
        count = make_run(root, args.pairs)
        full = timed(root, args.repeat)
        pictures = len(list((root / "ladders").rglob("*.png")))
        saved = os.environ.get("PATH", "")
        os.environ["PATH"] = ""  # no rsvg-convert to be found: the report without its pictures
        try:
            bare = timed(root, args.repeat)
        finally:
            os.environ["PATH"] = saved
        html = write_report(root).html
        summary = json.loads((html.parent / "report.json").read_text())["summary"]
        print(f"captures: {count} ({args.pairs} pairs x reqresp/upcall, {len(MESSAGES)} "
              f"messages each); verdicts: {summary['complete']} complete, "
              f"{summary['incomplete']} incomplete; shape matches: "
              f"{summary['signature_matches']}")
        print(f"report (analyse {count} pcaps + write html/md/json/csv/svg + {pictures} PNG): "
              f"best {min(full):.3f} s, median {statistics.median(full):.3f} s over "
              f"{args.repeat} runs")
        median = statistics.median(bare)
        print(f"report without the pictures: best {min(bare):.3f} s, median {median:.3f} s; "
              f"target < {TARGET_SECONDS:.1f} s: {'met' if median < TARGET_SECONDS else 'MISSED'}")
        each = (statistics.median(full) - median) / max(1, pictures)
        print(f"the pictures: about {each * 1000:.0f} ms each on {os.cpu_count()} processor(s)")
        print(f"report.html: {html.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
