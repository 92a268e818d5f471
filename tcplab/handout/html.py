"""The hand-out as HTML (``index.html``): every pair's sheet, each on its own printed page;
plan values escaped."""

from __future__ import annotations

import shlex
from html import escape
from typing import Callable

from ..i18n import Language
from .sentences import fill as fill_in
from .sentences import message_text, password_line
from .sheet import Login, Sheet

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1b1b;
font-size:15px;line-height:1.35}
h1{font-size:22px;margin:0 0 6px} h2{font-size:17px;margin:16px 0 6px}
h1 code,h2 code{font-size:inherit;background:none;padding:0}
table{border-collapse:collapse;margin:6px 0} th,td{border:1px solid #bbb;padding:3px 8px;
text-align:left;vertical-align:top} th{background:#f0f0f0;font-weight:600}
code{font-family:"DejaVu Sans Mono",monospace;font-size:0.88em;background:#f3f3f3;
white-space:pre-wrap;overflow-wrap:anywhere;padding:0 2px}
pre{margin:3px 0 5px;padding:4px 8px;background:#f3f3f3;border-left:3px solid #1f4e9c;
white-space:pre-wrap;overflow-wrap:anywhere} pre code{background:none;padding:0}
pre .arg{white-space:nowrap}
p{margin:6px 0} ol{margin:4px 0;padding-left:26px} ol.steps>li{margin:3px 0}
ol.messages code{font-size:1em;font-weight:600}
section.pair{border-top:2px solid #ccc;margin-top:28px;padding-top:12px}
nav.contents li{display:inline;margin-right:12px}
@page{size:A4;margin:10mm 12mm}
@media print{
body{margin:0;font-size:9.5pt;line-height:1.25}
nav.contents{display:none}
section.pair{border-top:none;margin-top:0;padding-top:0}
section.pair+section.pair{break-before:page}
h1{font-size:15pt} h2{font-size:11.5pt;margin:9px 0 3px}
pre{print-color-adjust:exact;-webkit-print-color-adjust:exact}
li,pre,tr{break-inside:avoid}
}
"""


def _anchor(pair: str) -> str:
    return "pair-" + pair


def _html_code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def html_command(argv: list[str]) -> str:
    """A command as shlex.join writes it; a line may break between arguments, never inside one."""
    return " ".join(f'<span class="arg">{escape(shlex.quote(arg))}</span>' for arg in argv)


def sheet_html(plan: dict, page: Sheet, lang: Language) -> str:
    """One pair's hand-out as a section of index.html."""
    def fill(key: str, values: dict[str, str]) -> str:
        return fill_in(lang, key, values, escape, _html_code)

    out = [f'<section class="pair" id="{escape(_anchor(page.pair))}">',
           f"<h1>{fill('handout.title', {'pair': page.pair})}</h1>",
           f"<p>{fill('handout.intro', {'lab': plan['lab_id'], 'run': plan['run_id']})}</p>",
           f"<h2>{escape(lang.t('handout.your_lab'))}</h2>", '<table class="facts">']
    out += [f"<tr><th>{escape(lang.t(label))}</th><td>{fill(value, values)}</td></tr>"
            for label, value, values in page.facts]
    out.append("</table>")
    if page.login:
        out.append(login_html(page.login, lang, fill))
    if page.bridge_note:
        out.append(f'<p class="bridge">{fill(page.bridge_note.key, page.bridge_note.values)}'
                   "</p>")
    for scenario, port, steps in page.scenarios:
        out.append(f'<section class="scenario" data-scenario="{escape(scenario)}">'
                   f"<h2>{fill('handout.scenario', {'scenario': scenario, 'port': str(port)})}"
                   '</h2><ol class="steps">')
        for step in steps:
            item = f"<li>{fill(step.key, step.values)}"
            if step.command:
                item += f"<pre><code>{html_command(step.command)}</code></pre>"
            if step.messages is not None:
                item += '<ol class="messages">' + "".join(
                    f"<li>{message_text(m, lang, _html_code, escape)}</li>"
                    for m in step.messages) + "</ol>"
            out.append(item + "</li>")
        out.append("</ol></section>")
    out.append(f"<h2>{escape(lang.t('handout.hand_in'))}</h2>")
    if page.login:
        out.append(f'<p class="copy">{escape(lang.t("handout.copy_out"))}</p>' + "".join(
            f"<pre><code>{html_command(argv)}</code></pre>" for argv in page.login.copy))
    out.append(f"<p>{escape(lang.t('handout.hand_in_intro'))}</p><ul class=\"files\">"
               + "".join(f"<li>{fill('handout.hand_in_item', {'file': pcap, 'scenario': s})}"
                         "</li>" for pcap, s in page.files) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def login_html(login: Login, lang: Language, fill: Callable[[str, dict[str, str]], str]) -> str:
    """The hand-out's "Your login" section, as HTML."""
    key, values = password_line(login)
    return (f'<section class="login"><h2>{escape(lang.t("handout.login"))}</h2><p>'
            + fill("handout.login_intro", {"user": login.user, "folder": login.folder,
                                           "help": "help"})
            + '</p><ul class="machines">'
            + "".join(f"<li>{fill(does, {'machine': machine})}"
                      f"<pre><code>{html_command(argv)}</code></pre></li>"
                      for machine, does, argv in login.machines)
            + f"</ul><p>{fill(key, values)}</p></section>")


def index_html(plan: dict, pages: list[Sheet], lang: Language) -> str:
    """index.html: every pair's hand-out, each starting a new printed page."""
    title = lang.t("handout.index_title", lab=plan["lab_id"], run=plan["run_id"])
    out = [f'<!DOCTYPE html>\n<html lang="{escape(lang.code)}"><head><meta charset="utf-8">'
           f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
           f'<nav class="contents"><h1>{escape(title)}</h1><p>{escape(lang.t("handout.pairs"))}:'
           "</p><ul>" + "".join(f'<li><a href="#{escape(_anchor(p.pair))}">{escape(p.pair)}</a>'
                                "</li>" for p in pages) + "</ul></nav>"]
    out += [sheet_html(plan, page, lang) for page in pages]
    out.append("</body></html>")
    return "\n".join(out) + "\n"
