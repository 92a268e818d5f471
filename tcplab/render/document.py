"""report.json's document (schema ``tcplab.report/3``, tcplab/README.md): every renderer reads it.

`report_document` builds it from a run's entries, its free texts in the report's language;
`capture_record` is one capture of it; `pair_verdicts` says which pairs are complete.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .. import __version__
from ..analysis.explain import explain_phases
from ..analysis.model import C2S, S2C, CaptureAnalysis, Exchange, Segment
from ..formats.manifest import Run
from ..i18n import Language
from ..i18n import Text as T
from ..names import shown
from ..output import Output
from .entries import Entry
from .grades import UNKNOWN_SCENARIO
from .ladder import excerpt


REPORT_SCHEMA = "tcplab.report/3"
GRADES = "grades.csv"  # the report's files named in the document, relative to its folder
SUMMARY = "summary.txt"
GRADEBOOK = "gradebook.csv"


PAYLOAD_LIMIT = 200


SEGMENTS_LISTED = 2000  # packets listed per capture in report.json and .html (all are in the pcap)


SIDE_KEY = {C2S: "client", S2C: "server"}


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
