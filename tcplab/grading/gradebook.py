"""gradebook.csv: one row per student, ready to import into a course's grade book.

Grading (`tcplab.grade`) writes it beside grades.csv. A row per student the teacher knows of:

- each student the roster lists for a pair (``students`` of a roster entry: a name, and the
  identifier the course platform uses, an email address or a student number), with the pair's
  grade;
- each student the platform's download names who is not in the roster (their files' pair, when
  their files were matched to one; else the grade is 0 and the feedback says why);
- a pair no student is known of gets one row, its student empty.

Columns (UTF-8, comma-separated, every text cell safe for a spreadsheet):

- ``student``: the name; ``identifier``: the roster's identifier of the student;
  ``platform_id``: the platform's number of the student (Moodle's participant number, Canvas's
  user id), when the hand-ins came from its download;
- ``pair``; ``grade``: 0-100, the share of the plan's scenarios the pair completed;
- one column per scenario: its verdict (``complete``, ``incomplete``, ``unreadable``,
  ``missing``);
- ``feedback``: one line per scenario for the student, in the report's language;
- ``files``: what the student handed in (as shown in the report).

README.md ("Students' own captures") tells how to import it into Moodle's grade book.
"""

from __future__ import annotations

import csv
import io

from ..render.document import GRADEBOOK
from ..render.grades import matrix
from ..i18n import Language
from .intake import HandIn, same_person
from ..names import csv_cell, shown
from ..output import Output

FEEDBACK_REASONS = 2  # reasons quoted per scenario in the feedback


def pair_grades(document: dict, lang: Language) -> dict[str, dict]:
    """Pair -> {grade, verdicts: {scenario: verdict}, feedback} from report.json's document."""
    scenarios = document["scenarios"]
    result: dict[str, dict] = {}
    for pair, scenario, capture in matrix(document):
        entry = result.setdefault(pair, {"verdicts": {}, "feedback": [], "grade": 0})
        if capture is None:
            verdict, reasons = "missing", []
        else:
            verdict, reasons = capture["verdict"], capture["reasons"]
        entry["verdicts"][scenario] = verdict
        said = lang.t("gradebook.feedback", scenario=scenario,
                      verdict=lang.t(f"verdict.{verdict}"))
        if reasons:
            said += ": " + "; ".join(reasons[:FEEDBACK_REASONS]) + (
                " ..." if len(reasons) > FEEDBACK_REASONS else "")
        entry["feedback"].append(said)
    for entry in result.values():
        complete = sum(1 for v in entry["verdicts"].values() if v == "complete")
        entry["grade"] = round(100 * complete / len(scenarios)) if scenarios else 0
    return result


def gradebook_rows(document: dict, plan: dict, handins: list[HandIn],
                   lang: Language) -> list[dict]:
    """The rows of gradebook.csv (module docstring)."""
    grades = pair_grades(document, lang)
    owners = {capture["submission"]["file"]: capture["submission"]["pair"]
              for capture in document["captures"] if capture.get("submission")}
    rows: list[dict] = []
    for pair in plan["pairs"]:
        for student in pair.get("students") or []:
            rows.append(_row(student["name"], student.get("id") or "", "", pair["name"], grades,
                             document, lang))
    submitted: dict[str, list[HandIn]] = {}
    for item in handins:
        if item.submitter is not None:
            submitted.setdefault(item.submitter.key(), []).append(item)
    for items in submitted.values():
        submitter = items[0].submitter
        assert submitter is not None
        row = next((r for r in rows if not r["platform_id"]
                    and same_person(r["student"], submitter)), None)
        files = [item.name for item in items]
        if row is None:
            pairs = sorted({owners[f] for f in files if owners.get(f)})
            row = _row(shown(submitter.name), "", "", pairs[0] if len(pairs) == 1 else "",
                       grades, document, lang)
            if not pairs:
                row["feedback"] = lang.t("gradebook.no_pair")
            elif len(pairs) > 1:
                row["feedback"] = lang.t("gradebook.several_pairs", pairs=", ".join(pairs))
            rows.append(row)
        row["platform_id"] = submitter.number
        row["files"] = " | ".join(files)
    named = {row["pair"] for row in rows}
    for pair in plan["pairs"]:
        if pair["name"] not in named:
            rows.append(_row("", "", "", pair["name"], grades, document, lang))
    return rows


def _row(student: str, identifier: str, platform_id: str, pair: str, grades: dict[str, dict],
         document: dict, lang: Language) -> dict:
    entry = grades.get(pair)
    row = {"student": student, "identifier": identifier, "platform_id": platform_id,
           "pair": pair, "grade": entry["grade"] if entry else 0, "feedback": "", "files": ""}
    for scenario in document["scenarios"]:
        row[scenario] = entry["verdicts"].get(scenario, "missing") if entry else ""
    if entry:
        row["feedback"] = " / ".join(entry["feedback"])
    return row


def gradebook_csv(document: dict, plan: dict, handins: list[HandIn], lang: Language) -> str:
    columns = ["student", "identifier", "platform_id", "pair", "grade",
               *document["scenarios"], "feedback", "files"]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in gradebook_rows(document, plan, handins, lang):
        writer.writerow({column: csv_cell(row.get(column, "")) for column in columns})
    return out.getvalue()


def write_gradebook(output: Output, document: dict, plan: dict, handins: list[HandIn],
                    lang: Language) -> None:
    output.write_text((GRADEBOOK,), gradebook_csv(document, plan, handins, lang))
