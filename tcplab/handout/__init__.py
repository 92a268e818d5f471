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

The package: `sheet` (what each pair does, language-free), `sentences` (a sheet's sentences in a
language), `markdown` (``<pair>.md``), `html` (``index.html``); here writing them and the command
line.
"""

from __future__ import annotations

from pathlib import Path

from .. import i18n
from ..arguments import Arguments
from ..formats.plan import PlanFileError, check_plan, load_plan, plan_language
from ..i18n import Language
from .html import index_html
from .markdown import sheet_markdown
from .sheet import sheet


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
