"""The class report of a run (or any folder of pcaps), written: every file of it, into one folder.

`write_report(folder)` reads a run folder (``captures/<run-id>/`` with manifest.json) or any
folder of pcaps (client, server and scenario inferred from the ports, and the report says so);
`write_run_report(run)` writes the report of a `Run` (grading gives its own): report.html,
report.md and report.json (`document`), grades.csv (`grades`), one ladder diagram per capture as
SVG and PNG (`ladder`, `picture`), each capture's annotated copy (`annotate`), summary.txt for a
run and for graded hand-ins (`summary`), errors.log when a capture met an internal error - all
through `tcplab.output.Output`: only into the folder, never through a link. The `tcplab report`
command (`tcplab.cli`) prints the counts and the summary.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..formats.manifest import Run, load_run
from ..i18n import Language, language
from ..i18n import Text as T
from ..output import Output
from .document import GRADES, SUMMARY, report_document
from .entries import Entry, annotate, build, parts_of
from .grades import grades_csv
from .html import html_page
from .markdown import markdown
from .picture import draw_pictures
from .summary import location_lines, run_summary, submissions_summary


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
    (its manifest's table) and for students' captures graded against a plan (`tcplab.grading`);
    errors.log when a capture met an internal error. Every file goes through `Output`: only
    into the folder, never through a symbolic link. `started` is when the work began
    (perf_counter), for report.json's seconds.
    """
    started = time.perf_counter() if started is None else started
    lang = lang or language("en")
    output = out if isinstance(out, Output) else Output(out or run.root)
    entries = build(run, output, lang)
    for entry in entries:
        output.write_text(parts_of(output, entry.svg_path),
                          '<?xml version="1.0" encoding="UTF-8"?>\n' + entry.svg)
    warnings = _draw_pictures(run, entries, output)
    for entry in entries:
        annotate(entry, output, lang)
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
