"""The hand-out: each pair's sheet for doing the labs by hand, the way the seeds do them.

Usage::

    tcplab handout PLAN_JSON [--out DIR] [--language en|id]

PLAN_JSON is the plan of a run as the lab writes it (``captures/<run-id>/plan.json``, see
`tcplab.formats.plan`). `write_handout` writes into DIR (default: the plan's run folder +
``/handout``) one ``<pair>.md`` per pair and ``index.html`` with every pair, each on its own
printed page, in the language asked for (default: the plan's report language, else English).
Per pair: its containers (names and addresses) and Docker host, or its machines; the bridge
interface, which ``ip a`` shows; and for each scenario the seeds' procedure as exact commands:
start the server, start tcpdump on the bridge writing the file to hand in, start the client,
type the pair's messages in order, ``exit``, Ctrl+C; then the files to hand in
(``<pair>-tcp.pcap``, ``<pair>-upcall.pcap``: `tcplab.formats.plan.handin_name`).

With students' logins (lab_student_access) a sheet starts with the pair's login - ssh to each
machine it uses, its password only when the teacher asks for it (`write_handout`'s `passwords`),
else who gives it - says its steps are typed there, and ends with the scp commands that copy its
captures out of its folder; the commands themselves stay the seeds'.

A scenario that loses a segment (the plan's ``loss``) ends with what to look for in its capture:
which data segment, Wireshark's [TCP Retransmission] flag, the wait of TCP's retransmission
timeout (200 ms or more) and the ACK that comes only after it; and that the lab drops the
segment while its own run takes the capture, so by hand it is lost only if the teacher has put
the drop in place.

The server starts before tcpdump and the client after it (the seeds' upcall order), so the
capture holds the three-way handshake. Pairs on machines get a capture filter on their two
addresses and the port: a machines' bridge carries other pairs' traffic too.

Everything in the language chosen (`tcplab.lang`). Plan values (names, addresses, messages) are
data: escaped for HTML and shown as Markdown code, never read as markup.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable

from . import i18n
from .arguments import Arguments
from .i18n import Language
from .formats.plan import PlanFileError, check_plan, handin_name, load_plan, plan_language

EXIT = "exit"  # the line that stops the lab's clients


@dataclass(frozen=True)
class Step:
    """One instruction: a sentence (its key and values) and the command to type, if any."""

    key: str
    values: dict[str, str]
    command: list[str] | None = None
    messages: list[str] | None = None  # the messages to type, in order


@dataclass(frozen=True)
class Login:
    """A pair's login (lab_student_access): how to log in, and how to copy the captures out."""

    user: str
    folder: str
    auth: str  # "key" or "password"
    password: str | None  # shown only when the teacher asks for it
    machines: list[tuple[str, str, list[str]]]  # (machine, what the pair does there, ssh argv)
    copy: list[list[str]]  # scp argv per file to hand in


@dataclass(frozen=True)
class Sheet:
    """One pair's hand-out, language-free: facts, then each scenario's steps, then the files."""

    pair: str
    facts: list[tuple[str, str, dict[str, str]]]  # label key, value key, values
    bridge_note: Step | None
    scenarios: list[tuple[str, int, list[Step]]]
    files: list[tuple[str, str]]  # (file to hand in, scenario)
    login: Login | None = None


# --- what each pair does -----------------------------------------------------------------------

def ssh_argv(user: str, grant: dict) -> list[str]:
    """How a student logs in to one machine of its login."""
    port = [] if grant["port"] == 22 else ["-p", str(grant["port"])]
    return ["ssh", *port, f"{user}@{grant['address']}"]


def scp_argv(user: str, grant: dict, file: str) -> list[str]:
    """How a student copies one file out of its folder on one machine, to its own computer."""
    port = [] if grant["port"] == 22 else ["-P", str(grant["port"])]
    return ["scp", *port, f"{user}@{grant['address']}:{file}", "."]


def login_of(pair: dict, files: list[str], password: str | None) -> Login | None:
    """The pair's login as the hand-out shows it, when the plan gives the pair one."""
    login = pair.get("login")
    if not login:
        return None
    capture = pair["capture"]["host"]
    machines = []
    for grant in login["hosts"]:
        does = ("handout.login_docker" if grant["containers"] else
                "handout.login_machine")
        machines.append((grant["host"], does, ssh_argv(login["user"], grant)))
    where = next((g for g in login["hosts"] if g["host"] == capture), login["hosts"][0])
    return Login(login["user"], login["folder"], login["auth"], password, machines,
                 [scp_argv(login["user"], where, file) for file in files])


def sheet(plan: dict, pair: dict, password: str | None = None) -> Sheet:
    """The steps of one pair of the plan (`password`: its login's, when the hand-out shows it)."""
    name = pair["name"]
    server, client, capture = pair["server"], pair["client"], pair["capture"]
    docker = pair["kind"] == "docker"
    user = (pair.get("login") or {}).get("user")
    logged = "_login" if user else ""  # the steps of a pair that works from its own login
    if docker:
        network = pair["network"]
        facts = [("handout.docker_host", "handout.plain_value", {"value": pair["docker_host"]}),
                 ("handout.server_container", "handout.address_value",
                  {"name": server["container"], "address": server["address"]}),
                 ("handout.client_container", "handout.address_value",
                  {"name": client["container"], "address": client["address"]}),
                 ("handout.bridge", "handout.bridge_value",
                  {"bridge": network["bridge"], "network": network["name"],
                   "subnet": network["subnet"]})]
        prefix = network["subnet"].rsplit("/", 1)[-1]
        bridge_note = Step("handout.find_bridge", {
            "command": "ip a", "bridge": network["bridge"],
            "address": f"{network['gateway']}/{prefix}"})
    else:
        facts = [("handout.server_machine", "handout.address_value",
                  {"name": server["machine"], "address": server["address"]}),
                 ("handout.client_machine", "handout.address_value",
                  {"name": client["machine"], "address": client["address"]}),
                 ("handout.capture_on", "handout.capture_value" if capture["interface"] else
                  "handout.capture_value_find",
                  {"host": capture["host"], "interface": capture["interface"],
                   "peer": capture["peer"]})]
        bridge_note = None
    remote = plan["remote_dir"].rstrip("/") or "/"
    sections = []
    files = []
    for scenario, spec in plan["scenarios"].items():
        port = str(spec["port"])
        pcap = handin_name(name, scenario)
        files.append((pcap, scenario))
        server_argv = ["python3", f"{remote}/{spec['server']}", "--port", port]
        client_argv = ["python3", f"{remote}/{spec['client']}", "--host", server["address"],
                       "--port", port]
        if docker:
            bridge = pair["network"]["bridge"]
            who = {"user": user} if user else {}
            steps = [
                Step("handout.step_server_docker" + logged, who,
                     ["docker", "exec", "-it", server["container"], *server_argv]),
                Step("handout.step_capture_docker" + logged,
                     {"command": "ip a", "bridge": bridge, **who},
                     ["tcpdump", "-i", bridge, "-w", pcap]),
                Step("handout.step_client_docker" + logged, who,
                     ["docker", "exec", "-it", client["container"], *client_argv]),
            ]
        else:
            interface = capture["interface"] or "INTERFACE"
            tcpdump = ["tcpdump", "-i", interface, "-w", pcap, "tcp", "and", "host",
                       server["address"], "and", "host", client["address"], "and", "port", port]
            who = {"user": user} if user else {}
            capture_step = (
                Step("handout.step_capture_machine" + logged,
                     {"host": capture["host"], "interface": interface, **who}, tcpdump)
                if capture["interface"] else
                Step("handout.step_capture_machine_find" + logged,
                     {"host": capture["host"], "peer": capture["peer"],
                      "command": f"ip route get {capture['peer']}", "placeholder": interface,
                      **who},
                     tcpdump))
            steps = [
                Step("handout.step_server_machine" + logged,
                     {"machine": server["machine"], **who}, server_argv),
                capture_step,
                Step("handout.step_client_machine" + logged,
                     {"machine": client["machine"], **who}, client_argv),
            ]
        steps += [
            Step("handout.step_type", {}, messages=list(pair["messages"][scenario])),
            Step("handout.step_exit", {"exit": EXIT}),
            Step("handout.step_stop", {"keys": "Ctrl+C", "scenario": scenario, "file": pcap}),
        ]
        if spec.get("loss"):
            steps.append(loss_step(spec["loss"]))
        sections.append((scenario, spec["port"], steps))
    login = login_of(pair, [pcap for pcap, _ in files], password)
    return Sheet(name, facts, bridge_note, sections, files, login)


def loss_step(loss: dict) -> Step:
    """What to look for in a scenario that loses a segment (the plan's ``loss``), and that the
    drop is the lab's: it is in place while the lab's own run takes the capture."""
    side = "client" if loss["direction"] == "to_server" else "server"
    return Step(f"handout.step_loss_{side}", {
        "segment": ", ".join(str(n) for n in loss["segments"]),
        "flag": "[TCP Retransmission]", "filter": "tcp.analysis.retransmission"})


# --- Markdown ----------------------------------------------------------------------------------

def md_code(text: str) -> str:
    """`text` as a Markdown code span: shown exactly, never read as markup (CommonMark)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.strip(" ") and (text[0] in "` " or text[-1] in "` ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_text(text: str) -> str:
    """Prose of a translation, its Markdown punctuation escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def md_block(argv: list[str]) -> list[str]:
    """A command as a fenced code block, the fence longer than any backtick run in it."""
    line = shlex.join(argv)
    longest = max((len(run) for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}sh", line, fence]


def _fill(lang: Language, key: str, values: dict[str, str], prose: Callable[[str], str],
          code: Callable[[str], str]) -> str:
    """The sentence `key` with its values shown as code, the rest as prose of the format."""
    names = list(values)
    text = prose(lang.t(key, **{name: f"\x00{index}\x00" for index, name in enumerate(names)}))
    return re.sub("\x00([0-9]+)\x00", lambda found: code(values[names[int(found.group(1))]]),
                  text)


def _message_text(message: str, lang: Language, code: Callable[[str], str],
                  prose: Callable[[str], str]) -> str:
    if message == "":
        return prose(lang.t("handout.empty_message"))
    shown = code(message)
    if message == EXIT:
        shown += " " + _fill(lang, "handout.exit_message", {"exit": EXIT}, prose, code)
    return shown


def sheet_markdown(plan: dict, page: Sheet, lang: Language) -> str:
    """One pair's hand-out as Markdown."""
    def fill(key: str, values: dict[str, str]) -> str:
        return _fill(lang, key, values, md_text, md_code)

    lines = [f"# {fill('handout.title', {'pair': page.pair})}", "",
             fill("handout.intro", {"lab": plan["lab_id"], "run": plan["run_id"]}), "",
             f"## {md_text(lang.t('handout.your_lab'))}", ""]
    lines += [f"- {md_text(lang.t(label))}: {fill(value, values)}"
              for label, value, values in page.facts]
    lines.append("")
    if page.login:
        lines += login_markdown(page.login, lang, fill)
    if page.bridge_note:
        lines += [fill(page.bridge_note.key, page.bridge_note.values), ""]
    for scenario, port, steps in page.scenarios:
        lines += [f"## {fill('handout.scenario', {'scenario': scenario, 'port': str(port)})}",
                  ""]
        for number, step in enumerate(steps, start=1):
            lines.append(f"{number}. {fill(step.key, step.values)}")
            if step.command:
                lines += [""] + ["   " + line for line in md_block(step.command)] + [""]
            for index, message in enumerate(step.messages or [], start=1):
                lines.append(f"   {index}. {_message_text(message, lang, md_code, md_text)}")
        lines.append("")
    lines += [f"## {md_text(lang.t('handout.hand_in'))}", ""]
    if page.login:
        lines += [md_text(lang.t("handout.copy_out")), ""]
        for argv in page.login.copy:
            lines += md_block(argv) + [""]
    lines += [md_text(lang.t("handout.hand_in_intro")), ""]
    lines += [f"- {fill('handout.hand_in_item', {'file': pcap, 'scenario': scenario})}"
              for pcap, scenario in page.files]
    return "\n".join(lines) + "\n"


def password_line(login: Login) -> tuple[str, dict[str, str]]:
    """The sentence that tells the pair how it authenticates (key, and values)."""
    if login.auth == "key":
        return "handout.login_key", {}
    if login.password is not None:
        return "handout.login_password", {"password": login.password}
    return "handout.login_password_teacher", {}


def login_markdown(login: Login, lang: Language,
                   fill: Callable[[str, dict[str, str]], str]) -> list[str]:
    """The hand-out's "Your login" section, as Markdown lines."""
    lines = [f"## {md_text(lang.t('handout.login'))}", "",
             fill("handout.login_intro", {"user": login.user, "folder": login.folder,
                                          "help": "help"}), ""]
    for machine, does, argv in login.machines:
        lines += [f"- {fill(does, {'machine': machine})}", ""]
        lines += ["  " + line for line in md_block(argv)] + [""]
    key, values = password_line(login)
    return lines + [fill(key, values), ""]


# --- HTML --------------------------------------------------------------------------------------

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
        return _fill(lang, key, values, escape, _html_code)

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
                    f"<li>{_message_text(m, lang, _html_code, escape)}</li>"
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


# --- writing and the command line --------------------------------------------------------------

def write_handout(plan: dict, out: Path, language: Language | str | None = None,
                  passwords: dict[str, str] | None = None) -> list[Path]:
    """Write ``<pair>.md`` for every pair of `plan` and ``index.html`` into `out`.

    `plan` is the plan as `build_plan` returns it (or read from plan.json: `load_plan`);
    `language` a language code of `tcplab.lang` (``en``, ``id``) or a `Language`; by default the
    plan's report language (``lab_report_language``), else English. Returns the files written:
    the pairs' Markdown in the plan's order, then index.html. Files already in `out` are
    overwritten, others left alone. A plan without what the hand-out shows raises
    `tcplab.formats.plan.PlanFileError` (one line). With students' logins (lab_student_access) each
    sheet says how the pair logs in and copies its captures out; `passwords` ({pair: password},
    only when the teacher asks for them there) puts each pair's password on its sheet.
    """
    passwords = passwords or {}
    pages = [sheet(plan, pair, passwords.get(pair["name"]))
             for pair in check_plan(plan)["pairs"]]
    lang = language if isinstance(language, Language) else i18n.language(
        language or plan_language(plan))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for page in pages:
        path = out / f"{page.pair}.md"
        path.write_text(sheet_markdown(plan, page, lang), encoding="utf-8")
        written.append(path)
    index = out / "index.html"
    index.write_text(index_html(plan, pages, lang), encoding="utf-8")
    return written + [index]


def main(argv: list[str] | None = None) -> int:
    parser = Arguments(
        prog="tcplab handout",
        description="Write each pair's hand-out for doing the labs by hand: <pair>.md and "
                    "index.html (every pair, one per printed page).")
    parser.add_argument("plan", type=Path, metavar="PLAN_JSON",
                        help="the plan of a run, as the lab writes it "
                             "(captures/<run-id>/plan.json)")
    parser.add_argument("--out", type=Path,
                        help="write the hand-out here (default: the plan's run folder + /handout)")
    parser.add_argument("--language", choices=list(i18n.languages()),
                        help="language of the hand-out (default: the plan's, else en)")
    args = parser.parse_args(argv)
    lang = i18n.language(args.language or "en")
    try:
        plan = load_plan(args.plan)
    except PlanFileError as error:
        parser.error(lang.render(error.text))
    lang = i18n.language(args.language or plan_language(plan))
    out = args.out or Path(plan["run_dir"]) / "handout"
    if out.exists() and not out.is_dir():
        parser.error(lang.t("cli.not_a_folder", option="--out", path=out))
    written = write_handout(plan, out, lang)
    print(lang.t("handout.written", count=len(written) - 1, index=written[-1].resolve()))
    return 0

