"""Grading the captures students took by hand: whose each one is, which scenario, and how it went.

Usage (`tcplab.cli`)::

    tcplab grade HANDINS [--plan PLAN_JSON] [--out DIR] [--language en|id]

HANDINS is what the students handed in: a folder (any layout) or a zip - the course platform's
"download all submissions" as it is (`intake` takes either in safely: no link followed,
no path outside it, sizes bounded). PLAN_JSON is the plan of the run whose hand-out they followed
(default ``captures/latest/plan.json`` under the current folder, and the first line says so); it
says each pair's messages, students, and the scenarios' ports and reply rules.

Every file is read once, on its own: whatever it holds, it gets a verdict and a reason, and no
file changes another's. For a capture:

- **which scenario**: every conversation on a scenario's server port (2222 reqresp and 4141
  upcall unless the plan moved them) is an *attempt* at that scenario, so one file may hold both
  scenarios and several attempts; a file with none is read by its name (``tcp`` is reqresp, as the
  seeds name it) or by the messages it carries (`attempts`);
- **whose**: the pair of the student the platform says handed it in (a roster that lists each
  pair's ``students``); else the pair whose name the file name (or a folder it is in) starts with,
  followed by ``-`` or ``_`` (``ani-budi-tcp.pcap``; the longest; any case); else the pair whose
  own messages it carries (messages given to one pair only: from the teacher's seed, or the pair's
  own in the roster); else unknown (`whose`);
- **the grade**: each attempt is judged by the analyzer (`tcplab.analysis`) against THAT pair's
  messages and the scenario's reply rule: the handshake, every message and its correct reply in
  order, the teardown. Of all a pair's attempts at a scenario, in any of its files, the best
  counts (complete first, then the most replies right, then the first); the others are listed.

A capture is flagged, and so never complete, when it carries the messages of a pair other than
its own ("carries the messages of pair X": a copied capture), when its messages belong to no
pair, and when whose it is stays unknown. Files with the same content are noted on each other.
A file that is not a capture, or holds no conversation of any scenario, is listed with its
reason and counts for no pair.

The report goes to DIR (default: beside the hand-ins, ``<name>-graded``; never into them):
report.html, .md, .json, grades.csv (one row per pair of the plan and scenario, ``missing``
where no capture is the pair's), gradebook.csv (one row per student, for the course's grade book:
`gradebook`), the ladders, summary.txt (the table printed last) and, when a file caused an
internal error, errors.log with its traceback. Exit status 0 whatever the grades; 2 with one line
on a usage error (no such hand-ins, plan missing or unreadable, an output folder that is not
ours, bad option).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .. import i18n
from ..analysis.analyze import unreadable
from ..analysis.capture import gc_paused
from ..analysis.model import CaptureAnalysis
from ..formats.manifest import CaptureJob, Run
from ..formats.plan import load_plan, plan_language
from ..i18n import Language
from ..i18n import Text as T
from ..names import shown
from ..output import Output, OutputError
from ..render.report import Written, write_run_report
from .attempts import (Attempt, Submission, examine, graded, judge_attempt, not_graded_record,
                       same_content, submission_record)
from .gradebook import write_gradebook
from .intake import HANDINS, HandIn, take
from .whose import MessageOwners


LATEST_PLAN = Path("captures") / "latest" / "plan.json"


MARKER = ".tcplab-graded"  # in an output folder grading made: it may write there again


def grade_run(handins: list[HandIn], plan: dict, plan_path: Path, source: Path,
              output: Output) -> Run:
    """The hand-ins judged: one result per pair and scenario, the files that count for none."""
    owners = MessageOwners.of(plan)
    found: list[Submission] = []
    for item in handins:
        try:
            with gc_paused():
                found.append(examine(item, plan, owners))
        except Exception:  # a bug costs this file, never the class: its traceback is logged
            output.error(f"reading {item.name}")
            found.append(Submission(item, problem=T("grade.internal_error")))
    same_content(found)
    by_key: dict[tuple[str, str], list[Attempt]] = {}
    results: list[CaptureAnalysis] = []
    not_graded: list[dict] = []
    for submission in found:
        for attempt in submission.attempts:
            try:
                judge_attempt(attempt, plan, owners)
            except Exception:
                output.error(f"grading {submission.name}")
                attempt.reasons = [T("grade.internal_error")]
                attempt.analysis = None
            key = submission.owner or submission.name
            by_key.setdefault((key, attempt.scenario), []).append(attempt)
        if not submission.attempts:
            not_graded.append(not_graded_record(submission, plan))
    order = {pair["name"]: index for index, pair in enumerate(plan["pairs"])}
    for (key, scenario), attempts in sorted(by_key.items(), key=lambda item: (
            order.get(item[0][0], len(order)), item[0][0], list(plan["scenarios"]).index(
                item[0][1]))):
        try:
            results.append(graded(attempts, key, plan, owners))
        except Exception:
            output.error(f"judging {key} / {scenario}")
            best = attempts[0]
            job = CaptureJob(pair=key, scenario=scenario, pcap=Path(os.devnull),
                             pcap_name=best.submission.name, expected_from="plan",
                             submission=submission_record(best))
            results.append(unreadable(job, T("error.in_file", file=best.submission.name,
                                             problem=T("grade.internal_error")), []))
    run_notes: list[str] = [T("grade.source", run_id=plan["run_id"], plan=str(plan_path),
                              source=shown(str(source)))]
    if not any(owners.pair_of(message) for message in owners.owners):
        run_notes.append(T("grade.no_own_messages"))
    return Run(root=source, manifest=None, run_id=None, jobs=[r.job for r in results],
               pairs=[pair["name"] for pair in plan["pairs"]], scenarios=list(plan["scenarios"]),
               notes=run_notes, results=results, not_graded=not_graded,
               plan={"path": str(plan_path), "run_id": plan["run_id"], "lab_id": plan["lab_id"]},
               handins=[found_item.item for found_item in found])


def default_out(source: Path) -> Path:
    """Beside the hand-ins: ``submissions/`` -> ``submissions-graded/``, ``kelas.zip`` ->
    ``kelas-graded/``."""
    source = Path(os.path.abspath(source))
    stem = source.name[:-4] if source.name.lower().endswith(".zip") else source.name
    return source.with_name(f"{stem}-graded")


def check_out(out: Path, source: Path) -> None:
    """OutputError (one line) unless `out` may take the report: new, empty, or one grading made
    before; never the hand-ins or inside them. Writes nothing."""
    out = Path(os.path.abspath(out))
    real_source = Path(os.path.realpath(source))
    real_out = Path(os.path.realpath(out))
    if real_source.is_dir() and (real_out == real_source or real_source in real_out.parents):
        raise OutputError(f"--out {shown(str(out))}: inside the hand-ins; the report is "
                          "written beside them, never into them: give another folder")
    if os.path.lexists(out):
        if os.path.islink(out) or not os.path.isdir(out):
            raise OutputError(f"--out {shown(str(out))}: not a folder (a symbolic link is not "
                              "followed)")
        if os.listdir(out) and not os.path.isfile(out / MARKER):
            raise OutputError(f"--out {shown(str(out))}: a folder that holds other files; give "
                              "a new or empty folder")


def prepare_out(out: Path, source: Path) -> Output:
    """The output folder (`check_out`), made, or cleared of what an earlier grading unpacked
    and drew."""
    check_out(out, source)
    out = Path(os.path.abspath(out))
    if os.path.isdir(out):
        for old in (HANDINS, "ladders"):  # what an earlier grading unpacked and drew
            if os.path.isdir(out / old) and not os.path.islink(out / old):
                shutil.rmtree(out / old)
    output = Output(out)
    output.write_text((MARKER,), "Made by tcplab grade: it may write here again.\n")
    return output


def grade(source: Path, plan_path: Path, out: Path | None = None,
          lang: Language | str | None = None) -> Written:
    """Grade every capture in `source` (a folder or a zip) against the plan in `plan_path`;
    write the report to `out` (default beside the hand-ins). `lang` defaults to the plan's."""
    started = time.perf_counter()
    plan = load_plan(plan_path)
    if not isinstance(lang, Language):
        lang = i18n.language(lang or plan_language(plan))
    output = prepare_out(out or default_out(source), source)
    run = grade_run(take(source, output), plan, plan_path.resolve(), Path(os.path.abspath(
        source)), output)
    written = write_run_report(run, output, lang, started)
    write_gradebook(output, written.document, plan, run.handins, lang)
    return written
