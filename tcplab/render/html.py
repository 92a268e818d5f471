"""report.html: one self-contained page, in the report's language.

The matrix of pairs x scenarios with a verdict per capture, then one section per capture: its
phases told like the course tells them, reasons, facts, exchanges, anomalies, the inline SVG
ladder diagram and every packet. All capture content is HTML-escaped.

It prints cleanly (the ``@media print`` rules): links and the collapsed packet tables are left
out, every capture starts on a new A4 page, and each diagram is scaled to the page's width.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from .. import __version__
from .grades import UNKNOWN_SCENARIO
from ..i18n import Language
from .markdown import EXCHANGE_HEADERS

if TYPE_CHECKING:
    from .entries import Entry

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
@page{size:A4;margin:14mm 12mm}
@media print{
body{margin:0;font-size:10.5pt}
.links,#files,details{display:none}
section.capture{break-before:page}
h2{margin-top:0;border-top:none;padding-top:0}
.verdict{print-color-adjust:exact;-webkit-print-color-adjust:exact}
.diagram{overflow:visible;border:none;max-width:none}
.diagram svg{display:block;width:100%;height:auto;print-color-adjust:exact;
-webkit-print-color-adjust:exact}
table.matrix td{min-width:0}
tr,li{break-inside:avoid}
}
"""


def _badge(verdict: str, lang: Language) -> str:
    return (f'<span class="verdict {escape(verdict)}">'
            f'{escape(lang.t("verdict." + verdict))}</span>')


def _a(label: str, target: str | None, lang: Language) -> str:
    if not target:
        return (f'<span class="nolink" title="{escape(lang.t("link.missing_title"))}">'
                f'{escape(lang.t("link.missing", label=label))}</span>')
    return f'<a href="{escape(quote(target))}">{escape(label)}</a>'


def html_page(document: dict, entries: list[Entry], lang: Language) -> str:
    t = lang.t
    source = document["source"]
    summary = document["summary"]
    title = t("report.title", run=source["run_id"] or source["path"])
    counts = t("report.counts", captures=summary["captures"], complete=summary["complete"],
               incomplete=summary["incomplete"], unreadable=summary["unreadable"],
               matches=summary["signature_matches"])
    generated = t("report.generated", time=document["generated"], version=__version__)
    out = [f"<!DOCTYPE html>\n<html lang=\"{escape(lang.code)}\"><head><meta charset=\"utf-8\">"
           f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{escape(title)}</h1>",
           f"<p id=\"summary\">{escape(counts)} {escape(generated)}</p>",
           f"<p class=\"links\" id=\"files\">{escape(t('report.grades'))}: "
           f"{_a(document['files']['grades'], document['files']['grades'], lang)}"
           + (f" · {escape(t('report.summary'))}: "
              f"{_a(document['files']['summary'], document['files']['summary'], lang)}"
              if document["files"]["summary"] else "") + "</p>"]
    if source["notes"]:
        out.append("<ul class=\"notes\">" + "".join(f"<li>{escape(n)}</li>"
                                                    for n in source["notes"]) + "</ul>")
    out.append(_matrix(document, entries, lang))
    if document.get("not_graded"):
        out.append(f"<h2 id=\"not-graded\">{escape(t('report.not_graded'))}</h2>"
                   "<table class=\"not-graded\"><tr>"
                   f"<th>{escape(t('report.file'))}</th><th>{escape(t('report.why'))}</th></tr>"
                   + "".join(f"<tr><td><code>{escape(item['file'])}</code></td>"
                             f"<td>{escape(item['reason'])}</td></tr>"
                             for item in document["not_graded"]) + "</table>")
    records = {(c["pair"], c["scenario"]): c for c in document["captures"]}
    for entry in entries:
        out.append(_section(entry, records[(entry.pair, entry.scenario)], lang))
    out.append("</body></html>")
    return "\n".join(out)


def _matrix(document: dict, entries: list[Entry], lang: Language) -> str:
    t = lang.t
    by_key = {(e.pair, e.scenario): e for e in entries}
    records = {(c["pair"], c["scenario"]): c for c in document["captures"]}
    verdicts = {v["pair"]: v for v in document["pair_verdicts"]}
    listed = set(document.get("class", document["pairs"]))
    rows = [f"<table class=\"matrix\" id=\"matrix\"><thead><tr><th>{escape(t('report.pair'))}"
            "</th>" + "".join(f"<th>{escape(s)}</th>" for s in document["scenarios"])
            + f"<th>{escape(t('report.pair_verdict'))}</th></tr></thead><tbody>"]
    for pair in document["pairs"]:
        cells = [f"<th scope=\"row\">{escape(pair)}</th>"]
        for scenario in document["scenarios"]:
            entry = by_key.get((pair, scenario))
            if entry is None and (pair not in listed or scenario == UNKNOWN_SCENARIO):
                cells.append("<td>—</td>")  # nothing is missing there
                continue
            if entry is None:
                cells.append(f"<td>{_badge('missing', lang)} <span class=\"phases\">"
                             f"{escape(t('pair.no_capture'))}</span></td>")
                continue
            record = records[(pair, scenario)]
            files = record["files"]
            phases = record["phases"]["text"] if record["phases"] else (
                record["reasons"][0] if record["reasons"] else "")
            links = " ".join([
                f'<a href="#{entry.anchor}">{escape(t("link.diagram"))}</a>',
                _a(t("link.svg"), files["ladder_svg"], lang),
                _a(t("link.png"), files["ladder_png"], lang),
                _a(t("link.server_log"), files["server_log"], lang),
                _a(t("link.client_log"), files["client_log"], lang),
                _a(t("link.pcap"), files["pcap_link"], lang),
                _a(t("link.annotated"), files["annotated"], lang)])
            cells.append(f"<td data-verdict=\"{escape(record['verdict'])}\">"
                         f"{_badge(record['verdict'], lang)}"
                         f"<div class=\"phases\">{escape(phases)}</div>"
                         f"<div class=\"links\">{links}</div></td>")
        cells.append(f"<td>{_badge(verdicts[pair]['verdict'], lang)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _section(entry: Entry, record: dict, lang: Language) -> str:
    t = lang.t
    parts = [f"<section id=\"{entry.anchor}\" class=\"capture\">",
             f"<h2>{escape(entry.pair)} / {escape(entry.scenario)} "
             f"{_badge(record['verdict'], lang)}</h2>"]
    if record["phases"]:
        parts.append(f"<p><b>{escape(t('report.phases'))}:</b> "
                     f"{escape(record['phases']['text'])}</p>")
        parts.append("<ul class=\"story\">" + "".join(
            f"<li>{escape(s)}</li>" for s in record["phases"]["explanation"]) + "</ul>")
    if record["reasons"]:
        parts.append("<ul class=\"reasons\">" + "".join(
            f"<li>{escape(r)}</li>" for r in record["reasons"]) + "</ul>")
    if record["notes"]:
        parts.append("<ul class=\"notes\">" + "".join(
            f"<li>{escape(n)}</li>" for n in record["notes"]) + "</ul>")
    facts = _facts(record, lang)
    if facts:
        parts.append("<table class=\"facts\">" + "".join(
            f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts) + "</table>")
    if record["exchanges"]:
        parts.append("<table class=\"exchanges\"><tr>" + "".join(
            f"<th>{escape(t(key))}</th>" for key in EXCHANGE_HEADERS) + "</tr>")
        for item in record["exchanges"]:
            ok = item["request_ok"] is not False and item["reply_ok"] is not False
            parts.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in (
                str(item["index"]),
                repr(item["request"]["text"]) if item["request"] else "—",
                repr(item["reply"]["text"]) if item["reply"] else "—",
                repr(item["expected_reply"]) if item["expected_reply"] is not None else "—",
                t("report.yes") if ok else t("report.no").upper(),
                "" if item["rtt_ms"] is None else f"{item['rtt_ms']:.3f}")) + "</tr>")
        parts.append("</table>")
    if record["anomalies"]:
        parts.append(f"<p><b>{escape(t('report.anomalies'))}</b></p><ul class=\"anomalies\">"
                     + "".join(
                         f"<li>{escape(t('kind.' + a['kind']))}"
                         + (f" ({escape(t('report.packet', number=a['packet']))})"
                            if a["packet"] else "")
                         + f": {escape(a['detail'])}</li>" for a in record["anomalies"])
                     + "</ul>")
    parts.append(f"<div class=\"diagram\">{entry.svg}</div>")
    if record["segments"]:
        listed = len(record["segments"])
        summary = t("report.every_packet") if listed == record["segments_total"] else t(
            "report.first_packets", listed=listed, total=record["segments_total"])
        parts.append(f"<details><summary>{escape(summary)}</summary>"
                     "<table class=\"packets\"><tr>"
                     + "".join(f"<th>{escape(t(key))}</th>" for key in PACKET_HEADERS) + "</tr>"
                     + "".join("<tr>" + "".join(f"<td>{escape(str(s[k]))}</td>" for k in (
                         "no", "time", "dir", "flags", "seq", "ack", "len"))
                         + f"<td>{escape(t('phase.' + s['phase']))}</td>"
                         + f"<td>{escape(s['payload'])}</td>"
                         + f"<td>{escape('; '.join(t('kind.' + n) for n in s['notes']))}</td>"
                         + "</tr>" for s in record["segments"]) + "</table></details>")
    parts.append("</section>")
    return "\n".join(parts)


PACKET_HEADERS = ("report.packet_number", "report.packet_time", "report.packet_dir",
                  "report.packet_flags", "report.packet_seq", "report.packet_ack",
                  "report.packet_len", "report.packet_phase", "report.packet_payload",
                  "report.packet_notes")


def _facts(record: dict, lang: Language) -> list[tuple[str, str]]:
    t = lang.t
    facts: list[tuple[str, str]] = []
    if record["error"]:
        facts.append((t("report.error"), record["error"]))
    capture = record["capture"]
    if capture:
        facts.append((t("fact.file"), t(
            "fact.file_value", file=record["files"]["pcap"], format=capture["format"],
            links=", ".join(capture["link_types"]) or t("fact.no_link_type"),
            frames=capture["frames"], tcp=capture["tcp_packets"])))
    if record["run_status"]:
        facts.append((t("fact.run_status"), record["run_status"] + (
            ": " + "; ".join(record["run_reasons"]) if record["run_reasons"] else "")))
    conversation = record["conversation"]
    if conversation:
        client, server = conversation["client"], conversation["server"]
        facts.append((t("fact.ends"), t(
            "fact.ends_value", client=f"{client['address']}:{client['port']}",
            server=f"{server['address']}:{server['port']}",
            how=t("roles." + conversation["roles_from"]))))
        shake = record["handshake"]
        if shake["present"]:
            facts.append((t("fact.handshake"), t(
                "fact.handshake_value",
                state=t("report.complete" if shake["complete"] else "report.incomplete"),
                client_isn=shake["client_isn"], server_isn=shake["server_isn"],
                client_mss=shake["client_mss"], server_mss=shake["server_mss"],
                client_ws=shake["client_wscale"], server_ws=shake["server_wscale"])))
        else:
            facts.append((t("fact.handshake"), t("fact.not_captured")))
        for side in ("client", "server"):
            framing = record["messages"][side]
            facts.append((t(f"fact.{side}_messages"), t(
                "fact.messages_value", count=len(framing["items"]),
                framing=t("framing." + framing["framing"]))))
        facts.append((t("fact.termination"), record["teardown"]["description"]))
    sig = record["signature"]
    if sig:
        key = {True: "fact.signature_matches", False: "fact.signature_differs",
               None: "fact.signature_not_compared"}[sig["matches"]]
        facts.append((t("fact.signature"), t(key, hash=sig["hash"])
                      + (f" ({sig['difference']})" if sig["difference"] else "")))
        if sig["expected_shape"]:
            facts.append((t("fact.expected_shape"), sig["expected_shape"]))
    return facts
