"""report.md: the class report in Markdown, from report.json's document, in its language."""

from __future__ import annotations

import re
from urllib.parse import quote

from ..i18n import Language

_MD_SPECIAL = re.compile(r"[\\`*_\[\]|<>~]")

EXCHANGE_HEADERS = ("report.exchange_number", "report.client_sent", "report.server_replied",
                    "report.expected_reply", "report.ok", "report.rtt")


def _md(text: str) -> str:
    """Text as Markdown shows it, on one line: every character that would start emphasis, a
    link, code, a table cell, HTML or strike-through escaped with a backslash (our text never
    starts a line, so headings and lists cannot begin inside it)."""
    return _MD_SPECIAL.sub(r"\\\g<0>", " ".join(text.splitlines()))


def _code(text: str) -> str:
    """Text inside a `code span`: Markdown escapes nothing there, so the backticks and pipes
    that would end it or the table cell are replaced by look-alikes."""
    return " ".join(text.splitlines()).replace("`", "ˋ").replace("|", "¦")


def _md_link(label: str, target: str | None) -> str:
    return f"[{label}]({quote(target)})" if target else ""


def markdown(document: dict, lang: Language) -> str:
    t = lang.t
    source = document["source"]
    lines = [f"# {_md(t('report.title', run=source['run_id'] or source['path']))}", ""]
    summary = document["summary"]
    lines.append(t("report.counts", captures=summary["captures"], complete=summary["complete"],
                   incomplete=summary["incomplete"], unreadable=summary["unreadable"],
                   matches=summary["signature_matches"]))
    lines.append("")
    files = document["files"]
    lines.append(f"{t('report.grades')}: {_md_link(files['grades'], files['grades'])}"
                 + (f" · {t('report.summary')}: {_md_link(files['summary'], files['summary'])}"
                    if files["summary"] else ""))
    lines.append("")
    for note in source["notes"]:
        lines.append(f"> {_md(note)}")
    if source["notes"]:
        lines.append("")
    by_key = {(c["pair"], c["scenario"]): c for c in document["captures"]}
    verdicts = {v["pair"]: v for v in document["pair_verdicts"]}
    header = [t("report.pair"), *document["scenarios"], t("report.pair_verdict")]
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
                _md_link(t("link.diagram"), files["ladder_svg"]),
                _md_link(t("link.png"), files["ladder_png"]),
                _md_link(t("link.server"), files["server_log"]),
                _md_link(t("link.client"), files["client_log"]),
                _md_link(t("link.pcap"), files["pcap_link"]),
                _md_link(t("link.annotated"), files["annotated"])) if link)
            cells.append(f"**{t('verdict.' + capture['verdict'])}** {links}")
        cells.append(t("verdict." + verdicts[pair]["verdict"]))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if document.get("not_graded"):
        lines += [f"## {_md(t('report.not_graded'))}", "",
                  f"| {_md(t('report.file'))} | {_md(t('report.why'))} |", "|---|---|"]
        lines += [f"| `{_code(item['file'])}` | {_md(item['reason'])} |"
                  for item in document["not_graded"]]
        lines.append("")
    for capture in document["captures"]:
        lines += _capture(capture, lang)
    return "\n".join(lines) + "\n"


def _capture(capture: dict, lang: Language) -> list[str]:
    t = lang.t
    lines = [f"## {_md(capture['pair'])} / {_md(capture['scenario'])}: "
             f"{t('verdict.' + capture['verdict'])}", "",
             f"{t('fact.file')}: `{_code(capture['files']['pcap'])}`", ""]
    if capture["error"]:
        lines += [f"{t('report.error')}: {_md(capture['error'])}", ""]
    if capture["phases"]:
        lines += [f"{t('report.phases')}: {capture['phases']['text']}", ""]
        lines += [f"- {_md(sentence)}" for sentence in capture["phases"]["explanation"]] + [""]
    for reason in capture["reasons"]:
        lines.append(f"- {_md(reason)}")
    for note in capture["notes"]:
        lines.append(f"- {t('report.note')}: {_md(note)}")
    if capture["reasons"] or capture["notes"]:
        lines.append("")
    conversation = capture["conversation"]
    if conversation:
        client, server = conversation["client"], conversation["server"]
        shake = capture["handshake"]
        lines.append(t("report.md_ends", client=f"{client['address']}:{client['port']}",
                       server=f"{server['address']}:{server['port']}",
                       how=t("roles." + conversation["roles_from"])))
        if shake["present"]:
            lines.append(t("report.md_handshake",
                           state=t("report.complete" if shake["complete"] else
                                   "report.incomplete"),
                           packets=", ".join(map(str, shake["packets"])),
                           client_isn=shake["client_isn"], server_isn=shake["server_isn"],
                           client_mss=shake["client_mss"], server_mss=shake["server_mss"],
                           client_ws=shake["client_wscale"], server_ws=shake["server_wscale"]))
        lines.append(t("report.md_termination", description=_md(
            capture["teardown"]["description"])))
        lines.append("")
    if capture["exchanges"]:
        lines.append("| " + " | ".join(t(key) for key in EXCHANGE_HEADERS) + " |")
        lines.append("|---|---|---|---|---|---|")
        for item in capture["exchanges"]:
            ok = item["request_ok"] is not False and item["reply_ok"] is not False
            lines.append("| " + " | ".join([
                str(item["index"]),
                _md(repr(item["request"]["text"])) if item["request"] else "—",
                _md(repr(item["reply"]["text"])) if item["reply"] else "—",
                _md(repr(item["expected_reply"])) if item["expected_reply"] is not None else "—",
                t("report.yes") if ok else f"**{t('report.no')}**",
                "" if item["rtt_ms"] is None else f"{item['rtt_ms']:.3f}"]) + " |")
        lines.append("")
    if capture["anomalies"]:
        for anomaly in capture["anomalies"]:
            where = f" ({t('report.packet', number=anomaly['packet'])})" \
                if anomaly["packet"] else ""
            lines.append(f"- {t('kind.' + anomaly['kind'])}{where}: {_md(anomaly['detail'])}")
        lines.append("")
    sig = capture["signature"]
    if sig:
        key = {True: "report.md_signature_matches", False: "report.md_signature_differs",
               None: "report.md_signature_not_compared"}[sig["matches"]]
        lines.append(t(key, hash=sig["hash"]) + (f": {_md(sig['difference'])}"
                                                 if sig["difference"] else "") + ".")
        lines.append("")
    return lines

