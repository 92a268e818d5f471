"""The `tcplab` command: the lab's Python programs behind one name, a subcommand each.

    tcplab report [DIR] [--out OUT] [--language en|id]    the class report of a run (or pcaps)
    tcplab grade HANDINS [--plan PLAN_JSON] [--out DIR] [--language en|id]   students' captures
    tcplab handout PLAN_JSON [--out DIR] [--language en|id]   each pair's hand-out
    tcplab watch PAIR [--scenario S] [--plan PLAN_JSON] [-i INVENTORY ...]   a pair live
    tcplab vm up|down|image [--vms N] [--folder DIR]   real VMs for the lab on this machine

The Makefile's targets (``make report``, ``make grade``, ``make watch``) run these; without
installing the package, ``python -m tcplab`` is the same command. Exit status 0 whatever the
verdicts (they are data); 2 with one line ``error: ... (usage: ...)`` on a usage error.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from . import handout, i18n, watch
from .vm import cli as vm_cli
from .arguments import Arguments, print_written
from .formats.plan import PlanFileError, load_plan, plan_language
from .grading.grade import (LATEST_PLAN, check_out, default_out, grade_run, prepare_out)
from .grading.gradebook import write_gradebook
from .grading.intake import IntakeError, take
from .names import shown
from .output import OutputError
from .render.report import write_report, write_run_report

LATEST = Path("captures") / "latest"
PASSED_ON = {"handout": handout.main, "watch": watch.main, "vm": vm_cli.main}  # commands with parsers of their own


def report(argv: list[str]) -> int:
    parser = Arguments(
        prog="tcplab report",
        description="Analyse the pcaps of a lab run (or any folder of pcaps) and write "
                    "report.html, report.md, report.json, grades.csv, the ladder diagrams (SVG "
                    "and PNG), each capture's annotated copy and, for a run, summary.txt.")
    parser.add_argument("path", type=Path, nargs="?", metavar="DIR",
                        help=f"run folder (with manifest.json) or a folder of pcaps "
                             f"(default: the latest run, {LATEST})")
    parser.add_argument("--out", type=Path, help="write the report here instead of DIR")
    parser.add_argument("--language", choices=list(i18n.languages()), default="en",
                        help="language of the report and the summary (default en)")
    args = parser.parse_args(argv)
    lang = i18n.language(args.language)
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


def grade(argv: list[str]) -> int:
    parser = Arguments(
        prog="tcplab grade",
        description="Grade the captures students took by hand against the plan of their run: "
                    "whose each is (platform, file name, else its messages), its scenario "
                    "(server port), its verdict; flags copied captures. Reads a folder or the "
                    "course platform's zip. Writes report.html, report.md, report.json, "
                    "grades.csv, gradebook.csv, summary.txt and the ladders beside the hand-ins.")
    parser.add_argument("source", type=Path, metavar="HANDINS",
                        help="the hand-ins: a folder (any layout) or a zip (e.g. the course "
                             "platform's download of all submissions)")
    parser.add_argument("--plan", type=Path, metavar="PLAN_JSON",
                        help=f"the plan of the students' run (default: {LATEST_PLAN})")
    parser.add_argument("--out", type=Path, help="write the report here (default: beside the "
                                                 "hand-ins, <name>-graded)")
    parser.add_argument("--language", choices=list(i18n.languages()),
                        help="language of the report (default: the plan's, else en)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lang = i18n.language(args.language or "en")
    if not os.path.lexists(args.source):
        parser.error(lang.t("grade.cli_no_source", path=shown(str(args.source))))
    try:
        check_out(args.out or default_out(args.source), args.source)
    except OutputError as error:
        parser.error(str(error))
    plan_path = args.plan or LATEST_PLAN
    try:
        plan = load_plan(plan_path)
    except PlanFileError as error:
        parser.error(lang.render(error.text))
    lang = i18n.language(args.language or plan_language(plan))
    if args.plan is None:
        print(lang.t("grade.cli_latest", path=LATEST_PLAN, target=LATEST_PLAN.resolve()))
    try:
        output = prepare_out(args.out or default_out(args.source), args.source)
        handins = take(args.source, output)
    except OutputError as error:
        parser.error(str(error))
    except IntakeError as error:
        parser.error(lang.render(error.text))
    source = Path(os.path.abspath(args.source))
    run = grade_run(handins, plan, plan_path.resolve(), source, output)
    written = write_run_report(run, output, lang, started)
    write_gradebook(output, written.document, plan, run.handins, lang)
    print_written(written, lang)
    return 0


COMMANDS = {"report": report, "grade": grade, **PASSED_ON}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = Arguments(prog="tcplab", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=list(COMMANDS),
                        help="report, grade, handout, watch or vm (tcplab COMMAND --help says more)")
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv[:1])  # --help, or a one-line error naming the commands
        return 2
    return COMMANDS[argv[0]](argv[1:])
