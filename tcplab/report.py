"""The class report: report.html, report.md, report.json, grades.csv, summary.txt; the CLI.

Usage::

    python -m tcplab.report [DIR] [--out OUT] [--language en|id]

DIR is a run folder (``captures/<run-id>/`` with manifest.json) or any folder of pcaps (then
client, server and scenario are inferred from ports and the report says so); without DIR, the
latest run, ``captures/latest`` under the current folder. The report files and one ladder
diagram per capture, as SVG and PNG (``ladders/<pair>/<scenario>.svg``, ``.png``, see
`tcplab.picture`), are written into DIR, or into OUT, in
the chosen language (English by default), with grades.csv, one row per capture for a grade
book (`tcplab.grades`). A run folder also gets summary.txt, the run's table (`tcplab.summary`).
The terminal shows the verdict counts and the summary; its last two lines are always
``Report: <report.html>`` and ``Run folder: <DIR>`` (translated). The exit status is 0 whatever
the verdicts (they are data), 2 with one line on a usage error (DIR missing or not a folder,
bad option). A file that is not a capture, or is cut short, gets a one-line error in
the report and never stops it.

report.json follows the schema ``tcplab.report/3``, documented in tcplab/README.md.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .analyze import analyze, unreadable
from .annotate import annotated_name, annotated_pcapng, comments_in
from .cli import Arguments, print_written
from .explain import explain_phases
from .gradebook import GRADEBOOK
from .grades import UNKNOWN_SCENARIO, grades_csv
from .i18n import Language, language, languages
from .i18n import Text as T
from .ladder import excerpt, ladder_svg
from .manifest import ANNOTATED, CaptureJob, Run, load_run
from .model import C2S, S2C, CaptureAnalysis, Exchange, Segment
from .names import shown
from .output import Output, safe_part
from .pcapread import CaptureError, raw_frames
from .picture import MAX_ROWS as PICTURE_ROWS
from .picture import Picture, draw_pictures
from .report_html import html_page
from .report_md import markdown
from .signature import Signature, signature
from .summary import location_lines, run_summary, submissions_summary

REPORT_SCHEMA = "tcplab.report/3"
GRADES = "grades.csv"
SUMMARY = "summary.txt"
PAYLOAD_LIMIT = 200
SEGMENTS_LISTED = 2000  # packets listed per capture in report.json and .html (all are in the pcap)
LATEST = Path("captures") / "latest"
SIDE_KEY = {C2S: "client", S2C: "server"}


@dataclass
class Entry:
    """One analysed capture with what the report adds: its key, signature and diagram."""

    result: CaptureAnalysis
    pair: str
    scenario: str
    signature: Signature | None
    svg: str
    svg_path: Path
    picture: Picture  # the PNG of the diagram (at most PICTURE_ROWS packets)
    annotated: Path | None = None  # the annotated copy of the capture, once written

    @property
    def anchor(self) -> str:
        return "cap-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{self.pair}-{self.scenario}")


# --- building --------------------------------------------------------------------------------

def build(run: Run, output: Output, lang: Language) -> list[Entry]:
    """Analyse every capture of the run (or take the run's results); keys made unique,
    diagrams drawn."""
    entries: list[Entry] = []
    taken: set[tuple[str, str]] = set()
    ladders: set[tuple[str, str]] = set()
    for result in run.results if run.results is not None else map(_analyzed(output), run.jobs):
        job = result.job
        scenario = result.scenario if result.scenario != "?" else UNKNOWN_SCENARIO
        pair = job.pair
        if (pair, scenario) in taken:  # two files of one pair look like the same scenario
            pair = job.pcap_name.rsplit(".", 1)[0]
        taken.add((pair, scenario))
        sig = signature(result.main, result.spec, job.messages) if result.main else None
        folder, stem = safe_part(pair), safe_part(scenario)
        number = 1
        while (folder, stem) in ladders:  # two names that differ only in unsafe characters
            number += 1
            stem = f"{safe_part(scenario)}-{number}"
        ladders.add((folder, stem))
        svg_path = output.path("ladders", folder, f"{stem}.svg")
        svg = ladder_svg(result, lang)
        rows = len(result.main.segments) if result.main else 0
        picture = Picture(ladder_svg(result, lang, PICTURE_ROWS) if rows > PICTURE_ROWS else svg,
                          svg_path.with_suffix(".png"))
        entries.append(Entry(result, pair, scenario, sig, svg, svg_path, picture))
    return entries


def _analyzed(output: Output):
    """analyze(job), where a bug costs that one capture, never the class report (the
    traceback goes to errors.log)."""
    def one(job: CaptureJob) -> CaptureAnalysis:
        try:
            return analyze(job)
        except Exception as error:
            output.error(f"analysing {job.pcap_name}")
            return unreadable(job, T("error.in_file", file=job.pcap_name, problem=T(
                "error.internal", error=f"{type(error).__name__}: {error}")), list(job.notes))
    return one


def pair_verdicts(entries: list[Entry], pairs: list[str], scenarios: list[str],
                  lang: Language, listed: list[str] | None = None) -> list[dict]:
    """A pair is complete when every scenario has a capture and every capture is complete.

    Only the pairs `listed` (the run's or the plan's; all when None) miss a scenario they have no
    capture of; any other row (a second capture of a scenario, a capture nobody's) is judged
    by its captures alone.
    """
    verdicts = []
    for pair in pairs:
        reasons: list[str] = []
        mine = {e.scenario: e for e in entries if e.pair == pair}
        for scenario in scenarios:
            entry = mine.get(scenario)
            if entry is None:
                if (listed is None or pair in listed) and scenario != UNKNOWN_SCENARIO:
                    reasons.append(lang.t("pair.reason", scenario=scenario,
                                          reason=T("pair.no_capture")))
            else:
                reasons += [lang.t("pair.reason", scenario=scenario, reason=reason)
                            for reason in entry.result.reasons]
        for scenario, entry in mine.items():
            if scenario not in scenarios:
                reasons += [lang.t("pair.reason", scenario=scenario, reason=reason)
                            for reason in entry.result.reasons]
        verdicts.append({"pair": pair, "verdict": "incomplete" if reasons else "complete",
                         "reasons": reasons})
    return verdicts




def segment_record(segment: Segment) -> dict:
    return {"no": segment.number, "time": round(segment.time, 6), "dir": segment.direction,
            "flags": segment.flags, "seq": segment.seq, "ack": segment.ack,
            "len": segment.length, "win": segment.window, "phase": segment.phase,
            "payload": excerpt(segment.payload, PAYLOAD_LIMIT), "notes": list(segment.notes)}


def exchange_record(item: Exchange, lang: Language) -> dict:
    def message(m):
        return None if m is None else {"text": m.text, "bytes": len(m.raw),
                                       "packets": [m.first_packet, m.last_packet]}
    return {"index": item.index, "request": message(item.request),
            "reply": message(item.reply), "expected_request": item.expected_request,
            "expected_reply": item.expected_reply, "request_ok": item.request_ok,
            "reply_ok": item.reply_ok,
            "rtt_ms": None if item.rtt is None else round(item.rtt * 1000, 3),
            "problems": [lang.render(p) for p in item.problems]}


def capture_record(entry: Entry, output: Output, lang: Language) -> dict:
    """One capture of report.json (schema in tcplab/README.md), its texts in `lang`."""
    result = entry.result
    job = result.job
    say = lang.render
    record: dict = {
        "pair": entry.pair, "scenario": entry.scenario,
        "verdict": result.verdict, "reasons": [say(r) for r in result.reasons],
        "error": say(result.error) if result.error else None,
        "notes": [say(n) for n in result.notes],
        "source": "plan" if job.submission is not None else
                  "inferred" if job.inferred else "manifest",
        "submission": job.submission,
        "run_status": job.run_status, "run_reasons": list(job.run_reasons),
        "files": {"pcap": job.pcap_name,
                  "pcap_link": output.relative(job.pcap),
                  "server_log": output.relative(job.server_log),
                  "client_log": output.relative(job.client_log),
                  "ladder_svg": output.relative(entry.svg_path),
                  "ladder_png": output.relative(entry.picture.png),
                  "annotated": output.relative(entry.annotated)},
        "capture": None, "conversation": None, "handshake": None, "segments": [],
        "segments_total": 0,
        "streams": None, "messages": None, "exchanges": [], "teardown": None,
        "anomalies": [{"kind": a.kind, "packet": a.packet, "dir": a.direction,
                       "detail": say(a.detail)} for a in result.anomalies],
        "phases": None, "signature": None,
        "other_conversations": [{"client": str(c.client), "server": str(c.server),
                                 "packets": len(c.packets)} for c in result.others],
        "answered": answered(result),
    }
    if result.capture is not None:
        capture = result.capture
        record["capture"] = {"format": capture.file_format, "link_types": capture.link_types,
                             "frames": capture.frames, "tcp_packets": len(capture.packets),
                             "first_time": capture.first_time,
                             "truncated": say(capture.truncated) if capture.truncated else None,
                             "tcpdump_counts": job.counts}
    main = result.main
    if main is None:
        return record
    conversation = main.conversation
    shake = main.handshake
    record["conversation"] = {"client": {"address": conversation.client.address,
                                         "port": conversation.client.port},
                              "server": {"address": conversation.server.address,
                                         "port": conversation.server.port},
                              "roles_from": conversation.roles_from,
                              "packets": len(main.segments)}
    record["handshake"] = {"present": shake.present, "complete": shake.complete,
                           "packets": shake.packets, "client_isn": shake.client_isn,
                           "server_isn": shake.server_isn, "client_mss": shake.client_mss,
                           "server_mss": shake.server_mss, "client_wscale": shake.client_wscale,
                           "server_wscale": shake.server_wscale,
                           "sack_permitted": shake.sack_permitted,
                           "problems": [say(p) for p in shake.problems]}
    record["segments"] = [segment_record(s) for s in main.segments[:SEGMENTS_LISTED]]
    record["segments_total"] = len(main.segments)
    record["streams"] = {SIDE_KEY[d]: {"bytes": main.streams[d].length,
                                       "gaps": [list(g) for g in main.streams[d].gaps]}
                         for d in (C2S, S2C)}
    record["messages"] = {SIDE_KEY[d]: {"framing": main.messages[d].framing,
                                        "note": say(main.messages[d].note)
                                        if main.messages[d].note else None,
                                        "items": [{"index": m.index, "text": m.text,
                                                   "bytes": len(m.raw),
                                                   "packets": [m.first_packet, m.last_packet]}
                                                  for m in main.messages[d].items]}
                          for d in (C2S, S2C)}
    record["exchanges"] = [exchange_record(item, lang) for item in main.exchanges]
    close = main.teardown
    record["teardown"] = {"kind": close.kind, "closed_first": close.closed_first,
                          "packets": close.packets, "sequence": close.sequence,
                          "complete": close.complete, "reset_by": close.reset_by,
                          "reset_packet": close.reset_packet,
                          "description": say(close.description)}
    record["phases"] = {"handshake": main.phases.handshake, "data": main.phases.data,
                        "termination": main.phases.termination,
                        "text": say(main.phases.text),
                        "explanation": [say(s) for s in explain_phases(main)]}
    sig = entry.signature
    if sig is not None:
        record["signature"] = {"text": sig.text, "hash": sig.hash, "skeleton": sig.skeleton,
                               "expected": sig.expected, "expected_shape": sig.expected_shape,
                               "matches": sig.matches,
                               "difference": say(sig.difference) if sig.difference else None}
    return record


def answered(result: CaptureAnalysis) -> dict | None:
    """Replies the capture shows correct, of the messages expected (the manifest's, else sent).

    None when no rule says what a correct reply is (a scenario the report does not know).
    """
    if result.spec is None and result.job.expected_replies is None:
        return None
    main = result.main
    expected = result.job.messages
    if expected is None:
        expected = main.messages[C2S].items if main else []
    replies = sum(1 for item in main.exchanges if item.reply_ok and item.request_ok is not False
                  ) if main else 0
    return {"replies": replies, "messages": len(expected)}


def report_document(run: Run, entries: list[Entry], output: Output, seconds: float,
                    lang: Language) -> dict:
    captures = [capture_record(entry, output, lang) for entry in entries]
    pairs = _ordered([*run.pairs, *(e.pair for e in entries)])
    scenarios = _ordered([s for s in run.scenarios if s != "?"] + [e.scenario for e in entries])
    counts = {verdict: sum(1 for e in entries if e.result.verdict == verdict)
              for verdict in ("complete", "incomplete", "unreadable")}
    return {
        "schema": REPORT_SCHEMA,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": {"name": "tcplab", "version": __version__},
        "language": lang.code,
        "source": {"path": shown(str(run.root)), "manifest": run.manifest is not None,
                   "run_id": run.run_id, "notes": [lang.render(n) for n in run.notes],
                   "plan": run.plan},
        "pairs": pairs, "scenarios": scenarios, "class": list(run.pairs),
        "summary": {"captures": len(entries), **counts,
                    "signature_matches": sum(1 for e in entries
                                             if e.signature and e.signature.matches),
                    "seconds": round(seconds, 3)},
        "pair_verdicts": pair_verdicts(entries, pairs, scenarios, lang, list(run.pairs)),
        "files": {"grades": GRADES, "summary": SUMMARY if run.manifest is not None
                  or run.plan is not None else None,
                  "gradebook": GRADEBOOK if run.plan is not None else None},
        "captures": captures,
        "not_graded": [{**item, "reason": lang.render(item["reason"])}
                       for item in run.not_graded],
    }


def _ordered(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


# --- writing and the command line ------------------------------------------------------------

@dataclass
class Written:
    """What a report run wrote, for the terminal."""

    html: Path
    document: dict
    summary: list[str]  # the summary's lines (summary.txt for a run, else the two location lines)
    warnings: list[str]  # what went wrong without stopping the report (pictures not drawn)


def write_report(path: Path, out: Path | None = None,
                 lang: Language | None = None) -> Written:
    """Analyse the folder; write report.html/md/json, grades.csv, the ladders (SVG and PNG)
    and, for a run, summary.txt."""
    return write_run_report(load_run(path), out, lang)


def write_run_report(run: Run, out: Path | Output | None = None, lang: Language | None = None,
                     started: float | None = None) -> Written:
    """Write the report of `run`'s captures into `out` (default: the run's folder).

    report.html/md/json, grades.csv and the ladders (SVG and PNG); summary.txt for a run
    (its manifest's table) and for students' captures graded against a plan (`tcplab.grade`);
    errors.log when a capture met an internal error. Every file goes through `Output`: only
    into the folder, never through a symbolic link. `started` is when the work began
    (perf_counter), for report.json's seconds.
    """
    started = time.perf_counter() if started is None else started
    lang = lang or language("en")
    output = out if isinstance(out, Output) else Output(out or run.root)
    entries = build(run, output, lang)
    for entry in entries:
        output.write_text(_parts(output, entry.svg_path),
                          '<?xml version="1.0" encoding="UTF-8"?>\n' + entry.svg)
    warnings = _draw_pictures(run, entries, output)
    for entry in entries:
        _annotate(entry, output, lang)
    document = report_document(run, entries, output, time.perf_counter() - started, lang)
    output.write_text(("report.json",), json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    output.write_text(("report.md",), markdown(document, lang))
    output.write_text((GRADES,), grades_csv(document, lang))
    html_path = output.write_text(("report.html",), html_page(document, entries, lang))
    if run.manifest is not None or run.plan is not None:
        summary = (run_summary(run.manifest, html_path, run.root, lang) if run.manifest is not None
                   else submissions_summary(document, html_path, run.root, lang))
        output.write_text((SUMMARY,), "\n".join(summary) + "\n")
    else:
        summary = location_lines(html_path, run.root, lang)
    errors = output.write_errors()
    if errors is not None:
        warnings.append(T("report.errors_log", path=str(errors)))
    return Written(html_path, document, summary, [lang.render(w) for w in warnings])


def _annotate(entry: Entry, output: Output, lang: Language) -> None:
    """The capture's annotated copy: beside it when it is in the report's folder (a run), else
    in annotated/<pair>/; a capture that cannot be copied costs only its copy."""
    result = entry.result
    if result.capture is None:
        return
    pcap = result.job.pcap
    inside = Path(os.path.abspath(pcap)).is_relative_to(output.root)
    parts = (*_parts(output, pcap.parent), annotated_name(pcap.name)) if inside else (
        "annotated", safe_part(entry.pair), f"{safe_part(entry.scenario)}{ANNOTATED}")
    try:
        frames = raw_frames(pcap)
        data = annotated_pcapng(frames, comments_in(result, len(frames), lang))
        entry.annotated = output.write_bytes(parts, data)
    except (CaptureError, OSError, ValueError):
        output.error(f"annotating {result.job.pcap_name}")


def _parts(output: Output, path: Path) -> tuple[str, ...]:
    return Path(os.path.relpath(path, output.root)).parts


def _draw_pictures(run: Run, entries: list[Entry], output: Output) -> list[T]:
    """The PNG of every diagram; a picture that cannot be drawn is a note, never a stop."""
    problems = draw_pictures([entry.picture for entry in entries], output)
    if problems and all(problem == T("picture.no_converter") for problem in problems):
        run.notes.append(problems[0])
        return [problems[0]]
    warnings = []
    for entry, problem in zip(entries, problems):
        if problem is not None:
            entry.result.notes.append(problem)
            warnings.append(T("error.in_file", file=entry.picture.png.name, problem=problem))
    return warnings


def main(argv: list[str] | None = None) -> int:
    parser = Arguments(
        prog="python -m tcplab.report",
        description="Analyse the pcaps of a lab run (or any folder of pcaps) and write "
                    "report.html, report.md, report.json, grades.csv, the ladder diagrams (SVG "
                    "and PNG) and, for a run, summary.txt.")
    parser.add_argument("path", type=Path, nargs="?", metavar="DIR",
                        help=f"run folder (with manifest.json) or a folder of pcaps "
                             f"(default: the latest run, {LATEST})")
    parser.add_argument("--out", type=Path, help="write the report here instead of DIR")
    parser.add_argument("--language", choices=list(languages()), default="en",
                        help="language of the report and the summary (default en)")
    args = parser.parse_args(argv)
    lang = language(args.language)
    if args.path is None:
        if not LATEST.exists():
            parser.error(f"no DIR given and there is no latest run here ({Path.cwd() / LATEST} "
                         f"does not exist): give a run folder or a folder of pcaps")
        args.path = LATEST
        print(lang.t("cli.latest", path=LATEST, target=LATEST.resolve()))
    if not args.path.exists():
        parser.error(f"{args.path}: no such folder")
    if not args.path.is_dir():
        parser.error(f"{args.path}: not a folder (give the run folder that holds the pcaps)")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out}: not a folder")
    written = write_report(args.path, args.out, lang)
    print_written(written, lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
