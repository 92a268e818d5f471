"""tcplab: the capture analyzer and class report of the TCP network lab.

Modules:

- `tcplab.pcapread`: read pcap/pcapng files (Ethernet, Linux cooked v1/v2, loopback, raw IP)
  into numbered TCP packets, with dpkt;
- `tcplab.framing`: newline-terminated lines, the lab's wire format;
- `tcplab.manifest`: what to expect of each capture, from a run's manifest.json or inferred;
- `tcplab.analyze`: conversations, handshake, segments, messages, exchanges, teardown,
  anomalies, phases and the verdict of one capture;
- `tcplab.signature`: flow signatures and the expected shape of a scenario;
- `tcplab.explain`: each capture's phases told the way the course tells them;
- `tcplab.ladder`: the ladder (sequence) diagram of a capture as SVG;
- `tcplab.i18n`, `tcplab.lang`: the report's languages (one file of strings per language);
- `tcplab.report`: the class report (report.json; report.html and report.md from
  `tcplab.report_html` and `tcplab.report_md`; summary.txt from `tcplab.summary`) and its CLI,
  ``python -m tcplab.report [DIR] [--language en|id]``;
- `tcplab.planfile`: the plan of a run (plan.json) read back and checked;
- `tcplab.handout`: each pair's hand-out for doing the labs by hand, and its CLI
  ``python -m tcplab.handout PLAN_JSON [--out DIR] [--language en|id]``;
- `tcplab.grade`: students' own captures graded against the plan (whose each is, copied
  captures flagged) and its CLI, ``python -m tcplab.grade SUBMISSIONS_DIR [--plan PLAN_JSON]``;
- `tcplab.craft`: synthetic captures written with dpkt (tests, benchmark).

The report.json schema (``tcplab.report/3``) is documented in tcplab/README.md.
"""

__version__ = "0.1.0"
