"""Mutation fuzzing of the capture reader, the analyzer, the grader and the report's renderers.

`seeds` makes valid captures of every kind the reader takes (pcap in both byte orders and in
nanoseconds, pcapng with a laptop's traffic over IPv4 and IPv6 with extension headers, Linux
cooked v2, loopback, gzip). `mutant` changes one of them the way files get damaged or crafted:
bytes flipped, a length or count field set to 0, 1, a huge or a negative-looking value, cut
short, a slice repeated or dropped, bytes inserted. `exercise` hands a file to everything that
reads captures - `read_capture`, `analyze`, grading's `examine` and judging, the ladder and
report.json's record - and returns what became of it; anything but a `CaptureError` from the
reader, or any exception after it, is a bug (the exception propagates).

``python tests/fuzz_captures.py --cases N --seed S`` runs N cases and prints the tally
(`make bench-fuzz`); tests/test_fuzz.py runs a bounded number in ``make test``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import struct
import sys
import tempfile
import time
from pathlib import Path

from tcplab import craft
from tcplab.analysis.analyze import analyze
from tcplab.grading.whose import MessageOwners
from tcplab.grading.attempts import examine, graded, judge_attempt
from tcplab.i18n import language
from tcplab.grading.intake import HandIn
from tcplab.render.ladder import ladder_svg
from tcplab.formats.manifest import CaptureJob
from tcplab.formats.scenarios import course_scenarios
from tcplab.output import Output
from tcplab.analysis.packet import CaptureError
from tcplab.analysis.capture import read_capture
from tcplab.render.picture import Picture
from tcplab.render.entries import Entry
from tcplab.render.document import capture_record
from tcplab.analysis.signature import signature

MESSAGES = ["kucing merah 4821", "halo"]
VALUES = (0, 1, 2, 0x7F, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 24, 40, 65535)


def seeds(folder: Path) -> list[bytes]:
    """Valid captures, one of each kind the reader takes."""
    lab = craft.lab_flow(MESSAGES, "{message}", client=("10.213.1.3", 42476),
                         server=("10.213.1.2", 2222), start=1763745781.0)
    six = craft.lab_flow(MESSAGES, "Upcall event: Processing {message}",
                         client=("fd00::3", 42476), server=("fd00::2", 4141), start=1763745781.0)
    noisy = sorted(lab.frames + craft.noise(60, 1763745780.0, seed=3), key=lambda f: f.time)
    made = [craft.write_pcap(folder / "a.pcap", lab.frames),
            craft.write_pcap(folder / "b.pcap", six.frames, link="sll2", nano=True),
            craft.write_pcapng(folder / "c.pcapng", noisy),
            craft.write_pcap(folder / "d.pcap", lab.frames, link="null"),
            craft.write_pcapng(folder / "e.pcapng", six.frames, link="loop")]
    data = [path.read_bytes() for path in made]
    swapped = bytearray(data[0])  # the same capture written big-endian
    swapped[:24] = struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    offset = 24
    while offset + 16 <= len(data[0]):
        fields = struct.unpack_from("<IIII", data[0], offset)
        swapped[offset:offset + 16] = struct.pack(">IIII", *fields)
        offset += 16 + fields[2]
    return [*data, bytes(swapped), gzip.compress(data[2])]


def mutant(data: bytes, chooser: random.Random) -> bytes:
    """`data` damaged in one to three ways."""
    out = bytearray(data)
    for _ in range(chooser.randint(1, 3)):
        if not out:
            break
        kind = chooser.randrange(6)
        at = chooser.randrange(len(out))
        if kind == 0:
            for _ in range(chooser.randint(1, 8)):
                out[chooser.randrange(len(out))] = chooser.randrange(256)
        elif kind == 1 and at + 4 <= len(out):
            value = chooser.choice(VALUES)
            out[at:at + 4] = struct.pack(chooser.choice("<>") + "I", value)
        elif kind == 2:
            del out[at:]
        elif kind == 3:
            end = min(len(out), at + chooser.randint(1, 64))
            out[at:at] = out[at:end]
        elif kind == 4:
            del out[at:at + chooser.randint(1, 64)]
        else:
            out[at:at] = bytes(chooser.randrange(256) for _ in range(chooser.randint(1, 32)))
    return bytes(out)


def class_plan() -> dict:
    """A small plan for the grader: two pairs, the lab's two scenarios."""
    pairs = [{"name": name, "kind": "docker", "students": [],
              "server": {"address": "10.213.1.2"}, "client": {"address": "10.213.1.3"},
              "capture": {}, "messages": {"reqresp": list(MESSAGES), "upcall": list(MESSAGES)}}
             for name in ("ani-budi", "citra-dewi")]
    scenarios = {name: {"port": spec.port, "reply_format": spec.reply_format, "messages": [],
                        "server": "", "client": ""} for name, spec in course_scenarios().items()
                 if name in ("reqresp", "upcall")}
    return {"run_id": "fuzz", "lab_id": "tcplab", "pairs": pairs, "scenarios": scenarios}


def exercise(path: Path, output: Output, plan: dict) -> str:
    """Everything that reads a capture, on `path`: "refused" or "read"; a bug raises."""
    lang = language("en")
    try:
        read_capture(path)
    except CaptureError:
        return "refused"
    job = CaptureJob(pair="ani-budi", scenario="reqresp", pcap=path, pcap_name=path.name,
                     spec=course_scenarios()["reqresp"], messages=list(MESSAGES), server_port=2222)
    result = analyze(job)
    sig = signature(result.main, result.spec, job.messages) if result.main else None
    svg = ladder_svg(result, lang)
    entry = Entry(result, job.pair, job.scenario, sig, svg, output.path("ladders", "x.svg"),
                  Picture(svg, output.path("ladders", "x.png")))
    json.dumps(capture_record(entry, output, lang), ensure_ascii=False).encode("utf-8")
    owners = MessageOwners.of(plan)
    found = examine(HandIn(path.name, "ani-budi-tcp.pcap", (), path), plan, owners)
    for attempt in found.attempts:
        judge_attempt(attempt, plan, owners)
    if found.attempts:
        graded(found.attempts, found.owner or found.name, plan, owners)
    return "read"


def run(cases: int, seed: int) -> dict[str, int]:
    """`cases` mutants of the seeds, exercised; the tally of what became of them."""
    chooser = random.Random(seed)
    tally = {"read": 0, "refused": 0}
    plan = class_plan()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        originals = seeds(folder)
        output = Output(folder / "out")
        path = folder / "case.pcap"
        for _ in range(cases):
            path.write_bytes(mutant(chooser.choice(originals), chooser))
            tally[exercise(path, output, plan)] += 1
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    started = time.perf_counter()
    tally = run(args.cases, args.seed)
    seconds = time.perf_counter() - started
    print(f"fuzz: {args.cases} mutated captures (seed {args.seed}) in {seconds:.1f} s "
          f"({args.cases / seconds:.0f}/s): {tally['read']} read, {tally['refused']} refused as "
          "not a capture, 0 crashes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
