"""tcplab: the capture analyzer, class report, hand-outs and grading of the TCP network lab.

The package in layers; each imports only from the layers above it in this list, never below:

- base: `tcplab.i18n` and `tcplab.lang` (the report's languages), `tcplab.names` (names from
  outside, shown safely), `tcplab.output` (writing only into the report's folder);
- `tcplab.formats`: one module per format it reads or writes - `plan` (plan.json), `manifest`
  (manifest.json and what each capture should hold), `scenarios` (a scenario as data; the
  course's, from the collection's scenarios.yml), `capture` (snaplen, a pair's filter), `wire`
  (the lab's lines);
- `tcplab.analysis`: reading captures (`capture`, `containers`, `links`, `frames`, `packet`) and reading
  them as the seeds teach (`connection`, `phases`, `streams`, `exchanges`, `analyze`,
  `signature`, `explain`, `model`);
- `tcplab.render`: report.json's document (`document`) and what is made from it - `html`,
  `markdown`, `grades` (grades.csv), `summary`, `ladder`, `picture`, `annotate` (annotated
  pcapng) - written by `report`; `entries` analyses a run's captures for it;
- `tcplab.grading`: students' hand-ins - `intake` (a folder or the platform's zip, safely),
  `whose`, `attempts`, `grade`, `gradebook`;
- `tcplab.handout` (each pair's sheet), `tcplab.watch` (a pair live), `tcplab.craft` (synthetic
  captures for tests and benchmarks);
- `tcplab.cli`: the `tcplab` command (``python -m tcplab``): report, grade, handout, watch.

The report.json schema (``tcplab.report/3``) is documented in tcplab/README.md.
"""

__version__ = "0.1.0"
