"""grades.csv: the report's verdicts as rows for a teacher's grade book.

UTF-8, comma-separated, one header row, then one row per pair and scenario of the report's
matrix (pairs in the run's order, scenarios in the run's order):

- ``pair``, ``scenario``;
- ``verdict``: report.json's code, ``complete``, ``incomplete`` or ``unreadable``; ``missing``
  when the run (or the plan of students' captures) lists the pair but has no capture of the
  scenario. A row that is no listed pair (a second capture of one scenario, a student's capture
  that is nobody's) has rows only for its captures;
- ``answered``: ``x/y``, the replies the capture shows correct out of the messages expected
  (the manifest's messages; without a manifest, the messages the client sent); empty when
  missing, or when the scenario is unknown (no rule says which reply is correct);
- ``reasons``: why the verdict is not complete, in the report's language, joined by ``"; "``;
- ``pcap``, ``ladder_svg``, ``ladder_png``, ``server_log``, ``client_log``: paths relative to
  the report's folder (where grades.csv is), empty when the file does not exist.

Every cell is made safe for a spreadsheet: a name or a reason that starts like a formula (``=``,
``+``, ``-``, ``@``) gets a leading ``'``, and invisible characters are written as escapes.
"""

from __future__ import annotations

import csv
import io

from ..i18n import Language
from ..names import csv_cell

UNKNOWN_SCENARIO = "unknown"  # a capture whose scenario no port or name says: never "missing"
COLUMNS = ("pair", "scenario", "verdict", "answered", "reasons", "pcap", "ladder_svg",
           "ladder_png", "server_log", "client_log")


def matrix(document: dict) -> list[tuple[str, str, dict | None]]:
    """(pair, scenario, capture) for each cell of the report's matrix that has a row.

    Pairs and scenarios in the report's order. A pair the run (or the plan) lists gets a row
    for every scenario, its capture None where it has none ("missing"); any other row - a
    second capture of a scenario, a capture that is nobody's - only for its captures.
    """
    by_key = {(c["pair"], c["scenario"]): c for c in document["captures"]}
    listed = set(document.get("class", document["pairs"]))
    return [(pair, scenario, by_key.get((pair, scenario)))
            for pair in document["pairs"] for scenario in document["scenarios"]
            if (pair in listed and scenario != UNKNOWN_SCENARIO) or (pair, scenario) in by_key]


def grade_rows(document: dict, lang: Language) -> list[dict[str, str]]:
    """The rows of grades.csv for report.json's document."""
    rows = []
    for pair, scenario, capture in matrix(document):
        if capture is None:
            rows.append({**dict.fromkeys(COLUMNS, ""), "pair": pair, "scenario": scenario,
                         "verdict": "missing", "reasons": lang.t("pair.no_capture")})
            continue
        files = capture["files"]
        answered = capture["answered"]
        rows.append({"pair": pair, "scenario": scenario, "verdict": capture["verdict"],
                     "answered": f"{answered['replies']}/{answered['messages']}"
                     if answered else "",
                     "reasons": "; ".join(capture["reasons"]),
                     "pcap": files["pcap_link"] or "", "ladder_svg": files["ladder_svg"],
                     "ladder_png": files["ladder_png"] or "",
                     "server_log": files["server_log"] or "",
                     "client_log": files["client_log"] or ""})
    return rows


def grades_csv(document: dict, lang: Language) -> str:
    """grades.csv's text; every cell safe for a spreadsheet (`tcplab.names.csv_cell`)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in grade_rows(document, lang):
        writer.writerow({column: csv_cell(value) for column, value in row.items()})
    return out.getvalue()
