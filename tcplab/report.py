"""The class report of a run: report.html, report.md and report.json, and its command line.

Usage::

    python -m tcplab.report PATH [--out DIR]

PATH is a run folder (``captures/<run-id>/`` with manifest.json) or any folder of pcaps (then
client, server and scenario are inferred from ports and the report says so). The report files
and one SVG ladder diagram per capture (``ladders/<pair>/<scenario>.svg``) are written into PATH,
or into DIR; the last line printed is the path of report.html. The exit status is 0 whatever the
verdicts (they are data), 2 on a usage error (PATH missing or not a folder, bad option). A file
that is not a capture, or is cut short, gets a one-line error in the report and never stops it.

report.json follows the schema ``tcplab.report/2``, documented in tcplab/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .analyze import analyze, unreadable
from .ladder import excerpt, ladder_svg
from .manifest import Run, load_run
from .model import C2S, S2C, CaptureAnalysis, Exchange, Segment
from .signature import Signature, signature

REPORT_SCHEMA = "tcplab.report/2"
PAYLOAD_LIMIT = 200


@dataclass
class Entry:
    """One analysed capture with what the report adds: its key, signature and diagram."""

    result: CaptureAnalysis
    pair: str
    scenario: str
    signature: Signature | None
    svg: str
    svg_path: Path

    @property
    def anchor(self) -> str:
        return "cap-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{self.pair}-{self.scenario}")


# --- building --------------------------------------------------------------------------------

def build(run: Run, out: Path) -> list[Entry]:
    """Analyse every capture of the run; keys made unique, diagrams drawn."""
    entries: list[Entry] = []
    taken: set[tuple[str, str]] = set()
    for job in run.jobs:
        try:
            result = analyze(job)
        except Exception as error:  # a bug must cost one capture, never the class report
            result = unreadable(job, f"{job.pcap_name}: internal error while analysing: "
                                     f"{type(error).__name__}: {error}", list(job.notes))
        scenario = result.scenario if result.scenario != "?" else "unknown"
        pair = job.pair
        if (pair, scenario) in taken:  # two files of one pair look like the same scenario
            pair = job.pcap_name.rsplit(".", 1)[0]
        taken.add((pair, scenario))
        sig = signature(result.main, result.spec, job.messages) if result.main else None
        svg_path = out / "ladders" / _safe(pair) / f"{_safe(scenario)}.svg"
        entries.append(Entry(result, pair, scenario, sig, ladder_svg(result), svg_path))
    return entries


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip(".") or "_"


def pair_verdicts(entries: list[Entry], pairs: list[str],
                  scenarios: list[str]) -> list[dict]:
    """A pair is complete when every scenario has a capture and every capture is complete."""
    verdicts = []
    for pair in pairs:
        reasons: list[str] = []
        mine = {e.scenario: e for e in entries if e.pair == pair}
        for scenario in scenarios:
            entry = mine.get(scenario)
            if entry is None:
                reasons.append(f"{scenario}: no capture")
            else:
                reasons += [f"{scenario}: {reason}" for reason in entry.result.reasons]
        for scenario, entry in mine.items():
            if scenario not in scenarios:
                reasons += [f"{scenario}: {reason}" for reason in entry.result.reasons]
        verdicts.append({"pair": pair, "verdict": "incomplete" if reasons else "complete",
                         "reasons": reasons})
    return verdicts


def _relative(target: Path | None, out: Path) -> str | None:
    if target is None or not target.is_file():
        return None
    return Path(os.path.relpath(target.resolve(), out.resolve())).as_posix()


def _payload_text(payload: bytes) -> str:
    return excerpt(payload, PAYLOAD_LIMIT)


def segment_record(segment: Segment) -> dict:
    return {"no": segment.number, "time": round(segment.time, 6), "dir": segment.direction,
            "flags": segment.flags, "seq": segment.seq, "ack": segment.ack,
            "len": segment.length, "win": segment.window, "phase": segment.phase,
            "payload": _payload_text(segment.payload), "notes": list(segment.notes)}


def exchange_record(item: Exchange) -> dict:
    def message(m):
        return None if m is None else {"text": m.text, "bytes": len(m.raw),
                                       "packets": [m.first_packet, m.last_packet]}
    return {"index": item.index, "request": message(item.request),
            "reply": message(item.reply), "expected_request": item.expected_request,
            "expected_reply": item.expected_reply, "request_ok": item.request_ok,
            "reply_ok": item.reply_ok,
            "rtt_ms": None if item.rtt is None else round(item.rtt * 1000, 3),
            "problems": list(item.problems)}


def capture_record(entry: Entry, out: Path) -> dict:
    """One capture of report.json (schema in tcplab/README.md)."""
    result = entry.result
    job = result.job
    record: dict = {
        "pair": entry.pair, "scenario": entry.scenario,
        "verdict": result.verdict, "reasons": list(result.reasons),
        "error": result.error, "notes": list(result.notes),
        "source": "inferred" if job.inferred else "manifest",
        "run_status": job.run_status, "run_reasons": list(job.run_reasons),
        "files": {"pcap": job.pcap_name,
                  "pcap_link": _relative(job.pcap, out),
                  "server_log": _relative(job.server_log, out),
                  "client_log": _relative(job.client_log, out),
                  "ladder_svg": Path(os.path.relpath(entry.svg_path, out)).as_posix()},
        "capture": None, "conversation": None, "handshake": None, "segments": [],
        "streams": None, "messages": None, "exchanges": [], "teardown": None,
        "anomalies": [{"kind": a.kind, "packet": a.packet, "dir": a.direction,
                       "detail": a.detail} for a in result.anomalies],
        "phases": None, "signature": None,
        "other_conversations": [{"client": str(c.client), "server": str(c.server),
                                 "packets": len(c.packets)} for c in result.others],
    }
    if result.capture is not None:
        capture = result.capture
        record["capture"] = {"format": capture.file_format, "link_types": capture.link_types,
                             "frames": capture.frames, "tcp_packets": len(capture.packets),
                             "first_time": capture.first_time, "truncated": capture.truncated,
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
                           "sack_permitted": shake.sack_permitted, "problems": shake.problems}
    record["segments"] = [segment_record(s) for s in main.segments]
    record["streams"] = {SIDE_KEY[d]: {"bytes": main.streams[d].length,
                                       "gaps": [list(g) for g in main.streams[d].gaps]}
                         for d in (C2S, S2C)}
    record["messages"] = {SIDE_KEY[d]: {"framing": main.messages[d].framing,
                                        "note": main.messages[d].note,
                                        "items": [{"index": m.index, "text": m.text,
                                                   "bytes": len(m.raw),
                                                   "packets": [m.first_packet, m.last_packet]}
                                                  for m in main.messages[d].items]}
                          for d in (C2S, S2C)}
    record["exchanges"] = [exchange_record(item) for item in main.exchanges]
    close = main.teardown
    record["teardown"] = {"kind": close.kind, "closed_first": close.closed_first,
                          "packets": close.packets, "sequence": close.sequence,
                          "complete": close.complete, "reset_by": close.reset_by,
                          "reset_packet": close.reset_packet, "description": close.description}
    record["phases"] = {"handshake": main.phases.handshake, "data": main.phases.data,
                        "termination": main.phases.termination, "text": main.phases.text}
    sig = entry.signature
    if sig is not None:
        record["signature"] = {"text": sig.text, "hash": sig.hash, "skeleton": sig.skeleton,
                               "expected": sig.expected, "expected_shape": sig.expected_shape,
                               "matches": sig.matches, "difference": sig.difference}
    return record


SIDE_KEY = {C2S: "client", S2C: "server"}


def report_document(run: Run, entries: list[Entry], out: Path, seconds: float) -> dict:
    captures = [capture_record(entry, out) for entry in entries]
    pairs = _ordered([*run.pairs, *(e.pair for e in entries)])
    scenarios = _ordered([s for s in run.scenarios if s != "?"] + [e.scenario for e in entries])
    counts = {verdict: sum(1 for e in entries if e.result.verdict == verdict)
              for verdict in ("complete", "incomplete", "unreadable")}
    return {
        "schema": REPORT_SCHEMA,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": {"name": "tcplab", "version": __version__},
        "source": {"path": str(run.root), "manifest": run.manifest is not None,
                   "run_id": run.run_id, "notes": list(run.notes)},
        "pairs": pairs, "scenarios": scenarios,
        "summary": {"captures": len(entries), **counts,
                    "signature_matches": sum(1 for e in entries
                                             if e.signature and e.signature.matches),
                    "seconds": round(seconds, 3)},
        "pair_verdicts": pair_verdicts(entries, pairs, scenarios),
        "captures": captures,
    }


def _ordered(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


# --- markdown --------------------------------------------------------------------------------

def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def _md_link(label: str, target: str | None) -> str:
    return f"[{label}]({quote(target)})" if target else ""


def markdown(document: dict) -> str:
    lines = [f"# tcplab report: {_md(document['source']['run_id'] or document['source']['path'])}",
             ""]
    summary = document["summary"]
    lines.append(f"{summary['captures']} captures: {summary['complete']} complete, "
                 f"{summary['incomplete']} incomplete, {summary['unreadable']} unreadable; "
                 f"{summary['signature_matches']} match their scenario's expected shape.")
    lines.append("")
    for note in document["source"]["notes"]:
        lines.append(f"> {_md(note)}")
    if document["source"]["notes"]:
        lines.append("")
    by_key = {(c["pair"], c["scenario"]): c for c in document["captures"]}
    verdicts = {v["pair"]: v for v in document["pair_verdicts"]}
    header = ["pair", *document["scenarios"], "pair verdict"]
    lines.append("| " + " | ".join(_md(h) for h in header) + " |")
    lines.append("|" + "---|" * len(header))
    for pair in document["pairs"]:
        cells = [_md(pair)]
        for scenario in document["scenarios"]:
            capture = by_key.get((pair, scenario))
            if capture is None:
                cells.append("—")
                continue
            files = capture["files"]
            links = " ".join(link for link in (
                _md_link("diagram", files["ladder_svg"]), _md_link("server", files["server_log"]),
                _md_link("client", files["client_log"]), _md_link("pcap", files["pcap_link"]))
                if link)
            cells.append(f"**{capture['verdict']}** {links}")
        cells.append(verdicts[pair]["verdict"])
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for capture in document["captures"]:
        lines += _markdown_capture(capture)
    return "\n".join(lines) + "\n"


def _markdown_capture(capture: dict) -> list[str]:
    lines = [f"## {_md(capture['pair'])} / {_md(capture['scenario'])}: {capture['verdict']}", ""]
    if capture["error"]:
        lines += [f"Error: {_md(capture['error'])}", ""]
    if capture["phases"]:
        lines += [f"Phases: {capture['phases']['text']}", ""]
    for reason in capture["reasons"]:
        lines.append(f"- {_md(reason)}")
    for note in capture["notes"]:
        lines.append(f"- note: {_md(note)}")
    if capture["reasons"] or capture["notes"]:
        lines.append("")
    conversation = capture["conversation"]
    if conversation:
        client, server = conversation["client"], conversation["server"]
        shake = capture["handshake"]
        lines.append(f"Client {client['address']}:{client['port']}, server "
                     f"{server['address']}:{server['port']} (roles from "
                     f"{conversation['roles_from']}).")
        if shake["present"]:
            lines.append(f"Handshake {'complete' if shake['complete'] else 'incomplete'} "
                         f"(packets {', '.join(map(str, shake['packets']))}): ISN client "
                         f"{shake['client_isn']}, server {shake['server_isn']}; MSS "
                         f"{shake['client_mss']}/{shake['server_mss']}; window scale "
                         f"{shake['client_wscale']}/{shake['server_wscale']}.")
        lines.append(f"Termination: {_md(capture['teardown']['description'])}.")
        lines.append("")
    if capture["exchanges"]:
        lines.append("| # | client sent | server replied | expected reply | ok | RTT ms |")
        lines.append("|---|---|---|---|---|---|")
        for item in capture["exchanges"]:
            ok = item["request_ok"] is not False and item["reply_ok"] is not False
            lines.append("| " + " | ".join([
                str(item["index"]),
                _md(repr(item["request"]["text"])) if item["request"] else "—",
                _md(repr(item["reply"]["text"])) if item["reply"] else "—",
                _md(repr(item["expected_reply"])) if item["expected_reply"] is not None else "—",
                "yes" if ok else "**no**",
                "" if item["rtt_ms"] is None else f"{item['rtt_ms']:.3f}"]) + " |")
        lines.append("")
    if capture["anomalies"]:
        for anomaly in capture["anomalies"]:
            where = f" (packet {anomaly['packet']})" if anomaly["packet"] else ""
            lines.append(f"- {anomaly['kind']}{where}: {_md(anomaly['detail'])}")
        lines.append("")
    sig = capture["signature"]
    if sig:
        verdict = {True: "matches", False: "does not match", None: "cannot be compared with"}[
            sig["matches"]]
        lines.append(f"Signature `{sig['hash']}` {verdict} the expected shape"
                     + (f": {_md(sig['difference'])}" if sig["difference"] else "") + ".")
        lines.append("")
    return lines


# --- html ------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1b1b}
h1{font-size:22px} h2{font-size:18px;margin-top:36px;border-top:1px solid #ccc;padding-top:16px}
table{border-collapse:collapse;margin:12px 0} th,td{border:1px solid #bbb;padding:6px 9px;
vertical-align:top;text-align:left} th{background:#f0f0f0}
table.matrix td{min-width:170px}
.verdict{display:inline-block;padding:2px 8px;border-radius:4px;color:#fff;font-weight:600}
.complete{background:#1b7f3b} .incomplete{background:#b3261e} .unreadable{background:#5f2a84}
.missing{background:#8a8a8a}
.links a,.links .nolink{margin-right:8px;font-size:13px} .nolink{color:#888}
.phases{font-size:12px;color:#444}
.reasons li{color:#8c1d18} .notes li{color:#555}
.diagram{overflow:auto;border:1px solid #ddd;max-width:100%}
code{font-size:12px} .packets td{font-family:monospace;font-size:12px}
"""


def _badge(verdict: str) -> str:
    return f'<span class="verdict {escape(verdict)}">{escape(verdict)}</span>'


def _a(label: str, target: str | None) -> str:
    if not target:
        return f'<span class="nolink" title="file not found">no {escape(label)}</span>'
    return f'<a href="{escape(quote(target))}">{escape(label)}</a>'


def html_page(document: dict, entries: list[Entry]) -> str:
    source = document["source"]
    summary = document["summary"]
    title = f"tcplab report: {source['run_id'] or source['path']}"
    out = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{escape(title)}</h1>",
           f"<p id=\"summary\">{summary['captures']} captures: {summary['complete']} complete, "
           f"{summary['incomplete']} incomplete, {summary['unreadable']} unreadable; "
           f"{summary['signature_matches']} match their scenario's expected shape. "
           f"Generated {escape(document['generated'])} by tcplab {escape(__version__)}.</p>"]
    if source["notes"]:
        out.append("<ul class=\"notes\">" + "".join(f"<li>{escape(n)}</li>"
                                                    for n in source["notes"]) + "</ul>")
    out.append(_matrix(document, entries))
    records = {(c["pair"], c["scenario"]): c for c in document["captures"]}
    for entry in entries:
        out.append(_section(entry, records[(entry.pair, entry.scenario)]))
    out.append("</body></html>")
    return "\n".join(out)


def _matrix(document: dict, entries: list[Entry]) -> str:
    by_key = {(e.pair, e.scenario): e for e in entries}
    records = {(c["pair"], c["scenario"]): c for c in document["captures"]}
    verdicts = {v["pair"]: v for v in document["pair_verdicts"]}
    rows = ["<table class=\"matrix\" id=\"matrix\"><thead><tr><th>pair</th>"
            + "".join(f"<th>{escape(s)}</th>" for s in document["scenarios"])
            + "<th>pair verdict</th></tr></thead><tbody>"]
    for pair in document["pairs"]:
        cells = [f"<th scope=\"row\">{escape(pair)}</th>"]
        for scenario in document["scenarios"]:
            entry = by_key.get((pair, scenario))
            if entry is None:
                cells.append(f"<td>{_badge('missing')} <span class=\"phases\">no capture"
                             f"</span></td>")
                continue
            record = records[(pair, scenario)]
            files = record["files"]
            phases = record["phases"]["text"] if record["phases"] else (
                record["reasons"][0] if record["reasons"] else "")
            links = " ".join([
                f'<a href="#{entry.anchor}">diagram</a>', _a("svg", files["ladder_svg"]),
                _a("server log", files["server_log"]), _a("client log", files["client_log"]),
                _a("pcap", files["pcap_link"])])
            cells.append(f"<td data-verdict=\"{escape(record['verdict'])}\">"
                         f"{_badge(record['verdict'])}"
                         f"<div class=\"phases\">{escape(phases)}</div>"
                         f"<div class=\"links\">{links}</div></td>")
        verdict = verdicts[pair]
        cells.append(f"<td>{_badge(verdict['verdict'])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _section(entry: Entry, record: dict) -> str:
    parts = [f"<section id=\"{entry.anchor}\" class=\"capture\">",
             f"<h2>{escape(entry.pair)} / {escape(entry.scenario)} "
             f"{_badge(record['verdict'])}</h2>"]
    if record["phases"]:
        parts.append(f"<p><b>Phases:</b> {escape(record['phases']['text'])}</p>")
    if record["reasons"]:
        parts.append("<ul class=\"reasons\">" + "".join(
            f"<li>{escape(r)}</li>" for r in record["reasons"]) + "</ul>")
    if record["notes"]:
        parts.append("<ul class=\"notes\">" + "".join(
            f"<li>{escape(n)}</li>" for n in record["notes"]) + "</ul>")
    facts = _facts(record)
    if facts:
        parts.append("<table class=\"facts\">" + "".join(
            f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts) + "</table>")
    if record["exchanges"]:
        parts.append("<table class=\"exchanges\"><tr><th>#</th><th>client sent</th>"
                     "<th>server replied</th><th>expected reply</th><th>ok</th>"
                     "<th>RTT ms</th></tr>")
        for item in record["exchanges"]:
            ok = item["request_ok"] is not False and item["reply_ok"] is not False
            parts.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in (
                str(item["index"]),
                repr(item["request"]["text"]) if item["request"] else "—",
                repr(item["reply"]["text"]) if item["reply"] else "—",
                repr(item["expected_reply"]) if item["expected_reply"] is not None else "—",
                "yes" if ok else "NO",
                "" if item["rtt_ms"] is None else f"{item['rtt_ms']:.3f}")) + "</tr>")
        parts.append("</table>")
    if record["anomalies"]:
        parts.append("<p><b>Anomalies</b></p><ul class=\"anomalies\">" + "".join(
            f"<li>{escape(a['kind'])}"
            + (f" (packet {a['packet']})" if a["packet"] else "")
            + f": {escape(a['detail'])}</li>" for a in record["anomalies"]) + "</ul>")
    parts.append(f"<div class=\"diagram\">{entry.svg}</div>")
    if record["segments"]:
        parts.append("<details><summary>every packet</summary><table class=\"packets\">"
                     "<tr><th>no.</th><th>time</th><th>dir</th><th>flags</th><th>seq</th>"
                     "<th>ack</th><th>len</th><th>phase</th><th>payload</th><th>notes</th></tr>"
                     + "".join("<tr>" + "".join(f"<td>{escape(str(s[k]))}</td>" for k in (
                         "no", "time", "dir", "flags", "seq", "ack", "len", "phase",
                         "payload")) + f"<td>{escape('; '.join(s['notes']))}</td></tr>"
                         for s in record["segments"]) + "</table></details>")
    parts.append("</section>")
    return "\n".join(parts)


def _facts(record: dict) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    if record["error"]:
        facts.append(("error", record["error"]))
    capture = record["capture"]
    if capture:
        facts.append(("file", f"{record['files']['pcap']} ({capture['format']}, "
                              f"{', '.join(capture['link_types']) or 'no link type'}, "
                              f"{capture['frames']} frames, {capture['tcp_packets']} TCP)"))
    if record["run_status"]:
        facts.append(("run status", record["run_status"] + (
            ": " + "; ".join(record["run_reasons"]) if record["run_reasons"] else "")))
    conversation = record["conversation"]
    if conversation:
        client, server = conversation["client"], conversation["server"]
        facts.append(("client → server", f"{client['address']}:{client['port']} → "
                                         f"{server['address']}:{server['port']} (roles from "
                                         f"{conversation['roles_from']})"))
        shake = record["handshake"]
        if shake["present"]:
            facts.append(("handshake", f"{'complete' if shake['complete'] else 'incomplete'}, "
                          f"ISN client {shake['client_isn']} server {shake['server_isn']}, "
                          f"MSS {shake['client_mss']}/{shake['server_mss']}, window scale "
                          f"{shake['client_wscale']}/{shake['server_wscale']}"))
        else:
            facts.append(("handshake", "not captured"))
        for side in ("client", "server"):
            framing = record["messages"][side]
            facts.append((f"{side} messages", f"{len(framing['items'])} ({framing['framing']})"))
        facts.append(("termination", record["teardown"]["description"]))
    sig = record["signature"]
    if sig:
        verdict = {True: "matches", False: "does not match", None: "not compared with"}[
            sig["matches"]]
        facts.append(("signature", f"{sig['hash']} {verdict} the expected shape"
                      + (f" ({sig['difference']})" if sig["difference"] else "")))
        if sig["expected_shape"]:
            facts.append(("expected shape", sig["expected_shape"]))
    return facts


# --- writing and the command line ------------------------------------------------------------

def write_report(path: Path, out: Path | None = None) -> Path:
    """Analyse the folder and write report.html/md/json and the SVG diagrams; return the html."""
    started = time.perf_counter()
    run = load_run(path)
    out = (out or run.root).resolve()
    out.mkdir(parents=True, exist_ok=True)
    entries = build(run, out)
    for entry in entries:
        entry.svg_path.parent.mkdir(parents=True, exist_ok=True)
        entry.svg_path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + entry.svg,
                                  encoding="utf-8")
    document = report_document(run, entries, out, time.perf_counter() - started)
    (out / "report.json").write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    (out / "report.md").write_text(markdown(document), encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(html_page(document, entries), encoding="utf-8")
    return html_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tcplab.report",
        description="Analyse the pcaps of a lab run (or any folder of pcaps) and write "
                    "report.html, report.md and report.json.")
    parser.add_argument("path", type=Path, help="run folder (with manifest.json) or a folder "
                                                "of pcaps")
    parser.add_argument("--out", type=Path, help="write the report here instead of PATH")
    args = parser.parse_args(argv)
    if not args.path.exists():
        parser.error(f"{args.path}: no such folder")
    if not args.path.is_dir():
        parser.error(f"{args.path}: not a folder (give the run folder that holds the pcaps)")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out}: not a folder")
    html_path = write_report(args.path, args.out)
    document = json.loads((html_path.parent / "report.json").read_text(encoding="utf-8"))
    summary = document["summary"]
    print(f"{summary['captures']} captures: {summary['complete']} complete, "
          f"{summary['incomplete']} incomplete, {summary['unreadable']} unreadable")
    for capture in document["captures"]:
        if capture["error"]:
            print(f"error: {capture['error']}", file=sys.stderr)
    print(html_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
