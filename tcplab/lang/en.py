"""English: every sentence of the report (the reference language: see tcplab/i18n.py).

Keys name what a sentence says; ``kind.<code>`` labels an anomaly kind or a packet's note,
``verdict.<code>``, ``phase.<code>``, ``roles.<code>`` and ``framing.<code>`` the codes of
report.json. A template's ``{fields}`` are filled with data; keep them as they are.
"""

NAME = "English"

STRINGS = {
    # --- reading capture files (pcapread) ---
    "capture.empty": "empty file (0 bytes): not a pcap or pcapng capture",
    "capture.too_short": "file too short ({size} bytes) to be a capture",
    "capture.not_a_capture": "not a pcap or pcapng capture (starts with bytes {start})",
    "capture.not_a_capture_kind": "not a pcap or pcapng capture (starts with bytes {start}: "
                                  "{kind})",
    "capture.cannot_read": "cannot read file: {error}",
    "capture.symlink": "a symbolic link: not followed (hand in the capture itself)",
    "capture.not_a_file": "not a regular file (a folder, pipe or device): not read",
    "capture.too_large": "{size} bytes: larger than the {limit} bytes a capture may have",
    "capture.gzip_empty": "a gzip file that holds nothing",
    "capture.gzip_corrupt": "gzip data is corrupt ({error})",
    "capture.gzip_cut": "the gzip file ends early (cut short)",
    "capture.gzip_too_large": "the gzip file holds more than the {limit} bytes a capture may have",
    "capture.block_corrupt": "a pcapng block after packet {whole} is corrupt: the file is read "
                             "up to there",
    "capture.pcap_header_cut": "truncated pcap file header ({size} of 24 bytes)",
    "capture.ends_in_record_header": "file ends inside the header of packet record {number} "
                                     "({whole} whole packets read)",
    "capture.record_too_long": "packet record {number} claims {size} bytes: the file is corrupt "
                               "from there ({whole} whole packets read)",
    "capture.ends_in_record": "file ends inside packet record {number} ({size} of {expected} "
                              "bytes; {whole} whole packets read)",
    "capture.pcapng_packet_malformed": "pcapng packet block {number} is malformed: the file is "
                                       "read up to there",
    "capture.pcapng_unknown_interface": "pcapng packet {number} names interface {interface}, "
                                        "which no interface block describes",
    "capture.pcapng_simple_block_first": "pcapng simple packet block before any interface block",
    "capture.ends_in_block_header": "file ends inside a pcapng block header ({whole} whole "
                                    "packets read)",
    "capture.section_header_cut": "truncated pcapng section header",
    "capture.section_magic": "pcapng section header has an unknown byte-order magic",
    "capture.pcapng_no_section": "pcapng file does not start with a section header",
    "capture.section_length": "pcapng section header with impossible length {length}",
    "capture.block_length": "pcapng block after packet {whole} has impossible length {length}: "
                            "the file is corrupt from there",
    "capture.ends_in_block": "file ends inside a pcapng block ({size} of {expected} bytes; "
                             "{whole} whole packets read)",
    # --- frames that are not TCP (pcapread) ---
    "frame.loopback_cut": "loopback header cut short",
    "frame.loopback_family": "loopback frame of address family {family}, not IP",
    "frame.raw_not_ip": "raw frame that is not IPv4/IPv6",
    "frame.link_type": "unsupported link type {linktype}",
    "frame.link_cut": "link header cut short",
    "frame.ethertype": "ethertype {ethertype}, not IP",
    "frame.llc": "an IEEE 802.3 (LLC) frame, not IP",
    "frame.ppp": "PPP protocol {protocol}, not IP",
    "frame.ip_protocol": "IP protocol {protocol}, not TCP",
    "frame.ip_fragment": "IP fragment",
    "frame.ipv6_next_header": "IPv6 next header {protocol}, not TCP",
    "frame.ipv6_fragment": "IPv6 fragment",
    "frame.ip_cut": "IP header cut short",
    "frame.ip_malformed": "malformed IP header",
    "frame.tcp_cut": "TCP header cut short",
    "frame.tcp_malformed": "malformed TCP header (data offset below 5)",
    # --- what to expect of the captures (manifest) ---
    "manifest.unreadable": "manifest.json is unreadable ({error}); captures were found by file "
                           "name and inferred from ports",
    "manifest.other_schema": "manifest.json has schema {schema}, expected {expected}; read it "
                             "as far as it fits",
    "manifest.none": "no manifest.json: client, server and scenario are inferred from ports "
                     "(SYN sender is the client; 2222 reqresp, 4141 upcall)",
    "manifest.not_listed": "this pcap is not listed in manifest.json; inferred from ports",
    "manifest.entry_skipped": "manifest capture entry {number} has no pair/scenario; skipped",
    "side.client": "client",
    "side.server": "server",
    # --- handshake, teardown, anomalies (connection) ---
    "handshake.none": "no three-way handshake: the capture starts after the connection was "
                      "opened",
    "handshake.no_syn": "the client's SYN was not captured",
    "handshake.no_synack": "no SYN, ACK from the server",
    "handshake.synack_acks_other": "the SYN, ACK (packet {packet}) acknowledges {ack}, not the "
                                   "client's SYN",
    "handshake.no_ack": "the client's ACK of the SYN, ACK was not captured",
    "teardown.open": "no FIN and no reset: the connection is still open at the end of the "
                     "capture",
    "teardown.closed": "the {side} closed first; {style} termination: {packets}",
    "teardown.three_way": "three-way",
    "teardown.four_way": "four-way",
    "teardown.n_way": "{packets}-way",
    "teardown.fin_not_acked": "the {side} closed first, but its FIN was not acknowledged",
    "teardown.other_fin_not_acked": "the {side} closed first, but the {other}'s FIN was not "
                                    "acknowledged",
    "teardown.other_fin_missing": "the {side} closed first, but the {other}'s FIN never came",
    "teardown.reset": "reset by the {side} (packet {packet}, {flags}) instead of a FIN exchange",
    "teardown.reset_after": "{reset} after {before}",
    "anomaly.zero_window": "the {side} advertises a zero window",
    "anomaly.reset": "{flags} from the {side}",
    # --- streams and messages (streams) ---
    "anomaly.control_again": "{flags} sent again (seq {seq})",
    "anomaly.snaplen": "only {captured} of {length} payload bytes captured (snap length)",
    "anomaly.data_again": "{length} bytes at seq {seq} sent again",
    "anomaly.resent_lost": "the {side}'s {length} bytes at seq {seq} (packet {packet}) were never "
                           "acknowledged - lost on the way - and are sent again {wait} ms later, "
                           "{how}",
    "anomaly.after_timeout": "when TCP's retransmission timer ran out (retransmission timeout)",
    "anomaly.after_duplicates": "after {count} duplicate ACKs, before the timer ran out (fast "
                                "retransmission)",
    "anomaly.after_duplicate": "after the other side's duplicate ACKs ({count}), before the "
                               "timer ran out",
    "anomaly.named_out_of_order": "{how}; Wireshark marks it out-of-order: it came less than "
                                  "{window} ms after the furthest segment",
    "anomaly.arrives_after": "seq {seq} arrives after seq {seen} was already seen",
    "anomaly.duplicate_ack": "duplicate ACK #{count} of packet {packet} from the {side}: it "
                             "asks again for the bytes at seq {ack}",
    "anomaly.late_start": "the capture began after the connection opened: the {side}'s first "
                          "{missing} bytes were sent before it",
    "anomaly.gap": "{side} bytes {first}-{last} (relative seq) were never captured ({missing} "
                   "bytes missing)",
    "anomaly.more_gaps": "and {count} more holes in the {side} bytes {first}-{last} (relative seq) "
                         "were never captured ({missing} bytes missing in them)",
    "stream.unframed": "the {side} stream has no newline-terminated lines (the seeds' original "
                       "programs send bare text); one message per data segment",
    "stream.ends_inside_a_line": "{side} stream ends inside a line ({rest} bytes from byte "
                                 "{start} have no newline)",
    # --- phases (model) ---
    "phase.handshake": "handshake",
    "phase.data": "data",
    "phase.termination": "termination",
    "phase.packets": "{phase} {packets}",
    "phase.no_packets": "no packets",
    # --- exchanges and the verdict's reasons (analyze) ---
    "exchange.not_sent": "message {number} was not sent (manifest: {want})",
    "exchange.extra_message": "extra message {number} from the client: {sent}",
    "exchange.wrong_message": "message {number}: the client sent {sent}, the manifest says "
                              "{want}",
    "exchange.reply_missing": "reply {number} is missing (expected {want})",
    "exchange.extra_reply": "extra reply {number} from the server: {sent}",
    "exchange.server_first": "the server sent {sent} (its message {number}) before the client's "
                             "first message",
    "exchange.wrong_reply": "reply {number}: the server sent {sent}, expected {want}",
    "anomaly.dropped_by_kernel": "tcpdump reports {count} packets dropped by the kernel",
    "anomaly.dropped_by_interface": "tcpdump reports {count} packets dropped by the interface",
    "anomaly.checksum": "sha256 differs from manifest.json",
    "error.in_file": "{file}: {problem}",
    "error.not_found": "file not found",
    "error.truncated": "truncated: {detail}",
    "error.internal": "internal error while analysing: {error}",
    "reason.truncated": "file truncated: {detail}",
    "reason.checksum": "the pcap's sha256 differs from the manifest's",
    "reason.fewer_packets": "the file holds {frames} packets, tcpdump captured {captured}",
    "reason.no_packets": "the capture holds no packets",
    "reason.no_tcp": "no TCP conversation",
    "reason.no_conversation": "no conversation with the server port {port}",
    "reason.no_data": "no application data was exchanged",
    "reason.loss_missing": ("scenario {scenario} loses the {side}'s data segment {segments} once, "
                            "but the {side} sent nothing again: the capture shows no "
                            "retransmission"),
    "reason.termination": "termination: {description}",
    "note.roles_without_handshake": "no handshake: client {client} and server {server} told "
                                    "apart by the {how}",
    "roles.handshake": "handshake",
    "roles.manifest server port": "manifest server port",
    "roles.scenario port": "scenario port",
    "roles.lower port (guess)": "lower port (guess)",
    "note.other_conversations": "{count} other TCP conversation(s) in the capture, not "
                                "analysed: {list}",
    "note.conversation": "{client} → {server} ({packets} packets)",
    "note.not_tcp": "{count} frame(s) are not TCP (e.g. frame {frame}: {why})",
    "note.other_server": "the manifest names server {named}, the capture shows {seen}",
    "note.server_first": "the server speaks first ({sent}), as SMTP or FTP servers greet; a lab "
                         "server only answers, so this is not the lab's request and reply",
    "note.unknown_port": "server port {port} is no known scenario's; replies are not checked",
    "note.scenario_from_port": "scenario {scenario} inferred from server port {port}",
    "note.scenario_port_differs": "the file name says {named}, but server port {port} is "
                                  "{scenario}'s; read as {scenario}",
    "note.scenario_from_name_and_port": "scenario {scenario} from the file name and server "
                                        "port {port}",
    # --- flow signature (signature) ---
    "signature.step_differs": "step {step}: expected '{want}', found '{got}'",
    "signature.steps_missing": "{count} step(s) missing from step {step}: '{want}' ...",
    "signature.extra_steps": "{count} extra step(s) from step {step}: '{got}' ...",
    "signature.unknown_scenario": "no expected shape: the scenario is not known",
    # --- the phases told like the course (explain) ---
    "story.handshake": "Rows {rows}: the three-way handshake opens the connection: the client "
                       "asks (SYN), the server agrees (SYN, ACK), the client confirms (ACK).",
    "story.handshake_partial": "Rows {rows}: the three-way handshake, not complete in this "
                               "capture.",
    "story.loss": "Row {lost}: a segment of the {side} was lost on its way - no ACK came for it; "
                  "TCP sent it again in row {again}, {wait} ms later, {how}. TCP recovered: "
                  "every byte still arrived, in order.",
    "story.loss_timeout": "when its retransmission timer ran out",
    "story.loss_fast": "as soon as duplicate ACKs asked for it (fast retransmission)",
    "story.data": "Rows {rows}: the data exchange: the client sends {messages} message(s), the "
                  "server answers with {replies} reply(ies), and each side acknowledges (ACK) "
                  "what it received.",
    "story.termination": "Rows {rows}: the {style} termination: the {closer} asks to close the "
                         "connection (FIN, row {fin}), and in row {agreed} the {other} agrees "
                         "(FIN).",
    "story.termination_unfinished": "Rows {rows}: the termination is not finished: "
                                    "{description}.",
    "story.reset": "Rows {rows}: no orderly termination: the {side} reset the connection (RST, "
                   "row {packet}).",
    # --- ladder diagrams (ladder) ---
    "ladder.none": "{title}: no ladder diagram",
    "ladder.title": "{title}: ladder diagram, {packets} packets",
    "ladder.number": "no.",
    "ladder.time": "time (s)",
    "ladder.cut": "… the diagram shows the first {shown} of {packets} packets",
    "ladder.client_to_server": "client → server",
    "ladder.server_to_client": "server → client",
    "ladder.dashed": "dashed red arrows: retransmission, out-of-order, zero window, reset",
    # --- the run's summary (summary) and the terminal (report) ---
    "summary.run": "Run {run_id}: {pairs} pair(s) x {scenarios} scenario(s), {ok} of "
                   "{captures} captures ok",
    "summary.pair": "pair",
    "summary.scenario": "scenario",
    "summary.packets": "packets",
    "summary.answered": "answered",
    "summary.status": "status",
    "summary.ok": "ok",
    "summary.failed": "FAILED: {reasons}",
    "summary.report": "Report: {path}",
    "summary.run_folder": "Run folder: {path}",
    "cli.latest": "No folder given: reading the latest run, {path} ({target})",
    "cli.counts": "{captures} captures: {complete} complete, {incomplete} incomplete, "
                  "{unreadable} unreadable",
    "pair.reason": "{scenario}: {reason}",
    "pair.no_capture": "no capture",
    # --- report.html and report.md (report_html, report_md) ---
    "report.title": "tcplab report: {run}",
    "report.counts": "{captures} captures: {complete} complete, {incomplete} incomplete, "
                     "{unreadable} unreadable; {matches} match their scenario's expected shape.",
    "report.generated": "Generated {time} by tcplab {version}.",
    "report.grades": "Grade book",
    "report.summary": "Run summary",
    "report.pair": "pair",
    "report.pair_verdict": "pair verdict",
    "report.phases": "Phases",
    "report.error": "Error",
    "report.note": "note",
    "report.complete": "complete",
    "report.incomplete": "incomplete",
    "report.yes": "yes",
    "report.no": "no",
    "report.packet": "packet {number}",
    "report.anomalies": "Anomalies",
    "report.every_packet": "every packet",
    "report.first_packets": "the first {listed} of its {total} packets (all are in the pcap)",
    "report.exchange_number": "#",
    "report.client_sent": "client sent",
    "report.server_replied": "server replied",
    "report.expected_reply": "expected reply",
    "report.ok": "ok",
    "report.rtt": "RTT ms",
    "report.packet_number": "no.",
    "report.packet_time": "time",
    "report.packet_dir": "dir",
    "report.packet_flags": "flags",
    "report.packet_seq": "seq",
    "report.packet_ack": "ack",
    "report.packet_len": "len",
    "report.packet_phase": "phase",
    "report.packet_payload": "payload",
    "report.packet_notes": "notes",
    "report.md_ends": "Client {client}, server {server} (roles from {how}).",
    "report.md_handshake": "Handshake {state} (packets {packets}): ISN client {client_isn}, "
                           "server {server_isn}; MSS {client_mss}/{server_mss}; window scale "
                           "{client_ws}/{server_ws}.",
    "report.md_termination": "Termination: {description}.",
    "report.md_signature_matches": "Signature `{hash}` matches the expected shape",
    "report.md_signature_differs": "Signature `{hash}` does not match the expected shape",
    "report.md_signature_not_compared": "Signature `{hash}` cannot be compared with the "
                                        "expected shape",
    "verdict.complete": "complete",
    "verdict.incomplete": "incomplete",
    "verdict.unreadable": "unreadable",
    "verdict.missing": "missing",
    "link.diagram": "diagram",
    "link.svg": "svg",
    "link.png": "png",
    "link.server_log": "server log",
    "link.client_log": "client log",
    "link.server": "server",
    "link.client": "client",
    "link.pcap": "pcap",
    "link.missing": "no {label}",
    "link.missing_title": "file not found",
    "fact.file": "file",
    "fact.file_value": "{file} ({format}, {links}, {frames} frames, {tcp} TCP)",
    "fact.no_link_type": "no link type",
    "fact.run_status": "run status",
    "fact.ends": "client → server",
    "fact.ends_value": "{client} → {server} (roles from {how})",
    "fact.handshake": "handshake",
    "fact.handshake_value": "{state}, ISN client {client_isn} server {server_isn}, MSS "
                            "{client_mss}/{server_mss}, window scale {client_ws}/{server_ws}",
    "fact.not_captured": "not captured",
    "fact.client_messages": "client messages",
    "fact.server_messages": "server messages",
    "fact.messages_value": "{count} ({framing})",
    "fact.termination": "termination",
    "fact.signature": "signature",
    "fact.signature_matches": "{hash} matches the expected shape",
    "fact.signature_differs": "{hash} does not match the expected shape",
    "fact.signature_not_compared": "{hash} not compared with the expected shape",
    "fact.expected_shape": "expected shape",
    "framing.line": "lines",
    "framing.segments": "one per data segment",
    "framing.none": "none",
    "kind.retransmission": "retransmission",
    "kind.out-of-order": "out-of-order",
    "kind.fast retransmission": "fast retransmission",
    "kind.duplicate ack": "duplicate ACK",
    "kind.late start": "capture started late",
    "kind.lost": "lost",
    "kind.zero window": "zero window",
    "kind.reset": "reset",
    "kind.gap": "gap",
    "kind.snaplen": "snaplen",
    "kind.framing": "framing",
    "kind.tcpdump drops": "drops reported by tcpdump",
    "kind.truncated file": "truncated file",
    "kind.checksum": "checksum",
    "kind.previous segment not captured": "previous segment not captured",
    # --- PNG pictures of the diagrams (picture) ---
    "picture.no_converter": "the ladder diagrams are not drawn as PNG: rsvg-convert is not "
                            "installed (Debian package librsvg2-bin; make setup installs it)",
    "picture.failed": "the ladder diagram could not be drawn as PNG: {error}",
    # --- the hand-out (handout) and plan.json (planfile) ---
    "handout.title": "TCP lab: pair {pair}",
    "handout.index_title": "TCP lab {lab}, run {run}: hand-outs",
    "handout.pairs": "Pairs",
    "handout.intro": "Lab {lab}, run {run}. Do the scenarios below in this order; each ends "
                     "with a capture file to hand in.",
    "handout.your_lab": "Your lab",
    "handout.docker_host": "Docker host",
    "handout.server_container": "Server container",
    "handout.client_container": "Client container",
    "handout.bridge": "Bridge interface",
    "handout.server_machine": "Server machine",
    "handout.client_machine": "Client machine",
    "handout.capture_on": "Capture on",
    "handout.plain_value": "{value}",
    "handout.address_value": "{name}, address {address}",
    "handout.bridge_value": "{bridge} (network {network}, subnet {subnet})",
    "handout.capture_value": "{host}, interface {interface}",
    "handout.capture_value_find": "{host}, the interface that routes to {peer}",
    "handout.find_bridge": "On the Docker host, {command} shows your bridge: the interface "
                           "{bridge}, with the address {address}.",
    "handout.scenario": "{scenario} (port {port})",
    "handout.step_server_docker": "In a first terminal on the Docker host, start the server:",
    "handout.step_capture_docker": "In a second terminal on the Docker host, find the bridge "
                                   "with {command} (it is {bridge}) and start the capture (as "
                                   "root, or with sudo):",
    "handout.step_client_docker": "In a third terminal on the Docker host, start the client:",
    "handout.step_server_machine": "On the server machine {machine}, start the server:",
    "handout.step_capture_machine": "On {host}, start the capture on the interface {interface} "
                                    "(as root, or with sudo):",
    "handout.step_capture_machine_find": "On {host}, find the interface that routes to {peer} "
                                         "with {command} (the name after \"dev\"), and start the "
                                         "capture on it, writing its name for {placeholder} (as "
                                         "root, or with sudo):",
    "handout.step_client_machine": "On the client machine {machine}, start the client:",
    "handout.step_type": "At the client's prompt, type these messages in this order, each "
                         "followed by Enter:",
    "handout.step_exit": "Type {exit} and Enter: the client closes the connection and the "
                         "server stops.",
    "handout.step_stop": "Stop tcpdump with {keys}. Your capture of {scenario} is the file "
                         "{file}.",
    "handout.step_loss_client": ("What to look for: in this scenario the lab loses the client's "
                                 "data segment {segment} (counted from 1: the first that carries a "
                                 "message is 1) "
                                 "once, after the bridge, on the server's side. Your capture has "
                                 "it, then nothing from the server for 200 ms or more - TCP's "
                                 "retransmission timeout (RTO) - then the same segment again, "
                                 "which Wireshark marks {flag} (filter {filter}), and only then "
                                 "the server's ACK and reply. The lab drops it while its own run "
                                 "takes the capture; by hand it is lost only if your teacher has "
                                 "put the drop in place, else your capture shows no "
                                 "retransmission."),
    "handout.step_loss_server": ("What to look for: in this scenario the lab loses the server's "
                                 "data segment {segment} (counted from 1: the first that carries a "
                                 "reply is 1) "
                                 "once, after the bridge, on the client's side. Your capture has "
                                 "it, then nothing from the client for 200 ms or more - TCP's "
                                 "retransmission timeout (RTO) - then the same segment again, "
                                 "which Wireshark marks {flag} (filter {filter}), and only then "
                                 "the client's ACK. The lab drops it while its own run takes the "
                                 "capture; by hand it is lost only if your teacher has put the "
                                 "drop in place, else your capture shows no retransmission."),
    "handout.empty_message": "(an empty line: press Enter only)",
    "handout.exit_message": "(this message is {exit} and would stop the client: ask your "
                            "teacher)",
    "handout.hand_in": "Hand in",
    "handout.hand_in_intro": "Hand in these files, named exactly so:",
    "handout.hand_in_item": "{file} ({scenario})",
    "handout.written": "Hand-out for {count} pair(s): {index}",
    "cli.not_a_folder": "{option} {path}: not a folder",
    "planfile.missing": "{path}: no such file (give the plan.json of a run: "
                        "captures/<run-id>/plan.json)",
    "planfile.unreadable": "{path}: cannot read the plan ({error})",
    "planfile.not_json": "{path}: not JSON ({error}); give the plan.json the lab wrote",
    "planfile.schema": "{path}: not a tcplab plan (schema {schema}, expected {expected})",
    "planfile.bad": "{path}: {field} is {value}; a plan has {expected} there",
    "planfile.expect.string": "a string",
    "planfile.expect.scenarios": "the scenarios by name",
    "planfile.expect.scenario": "port, server, client and reply_format",
    "planfile.expect.port": "a port number (1-65535)",
    "planfile.expect.loss": "{direction: to_server or to_client, segments: [2]}",
    "planfile.expect.handin": "a capture's name without .pcap (lower-case letters, digits and dashes)",
    "planfile.expect.pairs": "a list of pairs",
    "planfile.expect.pair_name": "a unique pair name (lower-case letters, digits and dashes)",
    "planfile.expect.kind": "docker or machines",
    "planfile.expect.end": "its host and address",
    "planfile.expect.capture": "its capture point",
    "planfile.expect.messages": "a list of strings for every scenario",
    "planfile.expect.students": "a list of students, each with a name (and an id)",
    # --- students' own captures, graded against the plan (grade, summary) ---
    "exchange.not_sent.plan": "message {number} was not sent (hand-out: {want})",
    "exchange.wrong_message.plan": "message {number}: the client sent {sent}, the hand-out says "
                                   "{want}",
    "grade.copied": "carries the messages of pair {pair}",
    "grade.no_pair": "its messages belong to no pair: {messages}",
    "grade.unknown_owner": "whose capture this is is unknown: its file name does not start with "
                           "a pair's name (<pair>-tcp.pcap) and no pair's own messages are in it",
    "grade.several_owners": "whose capture this is is unknown: it carries as many messages of "
                            "pairs {pairs}",
    "grade.no_scenario": "no conversation on a scenario's server port ({ports})",
    "grade.note_named": "the file name names pair {pair}",
    "grade.note_by_messages": "pair {pair}'s by its messages: {count} of the pair's own are in it",
    "grade.note_scenario_port": "scenario {scenario} from the server port {port}",
    "grade.note_scenario_file_name": "scenario {scenario} from the file name",
    "grade.note_scenario_messages": "scenario {scenario} from its messages",
    "grade.note_same_file": "the same file as {files}",
    "grade.source": "captures handed in ({source}), graded against the plan of run {run_id} "
                    "({plan})",
    "grade.no_own_messages": "the plan gives no pair messages of its own (lab_messages_seed is "
                             "not set): whose a capture is comes from its file name alone",
    "grade.owner_from.file name": "file name",
    "grade.owner_from.messages": "messages",
    "grade.owner_from.unknown": "unknown",
    "grade.cli_latest": "No --plan given: grading against the plan of the latest run, {path} "
                        "({target})",
    "summary.submissions": "Captures handed in, graded against the plan of run {run_id}: "
                           "{captures} capture(s) for {pairs} pair(s) x {scenarios} scenario(s); "
                           "{complete} complete, {incomplete} incomplete, {unreadable} "
                           "unreadable, {missing} missing",
    "summary.file": "file",
    "summary.whose": "whose",
    "summary.verdict": "verdict",
    "summary.verdict_reasons": "{verdict}: {reasons}",
    "summary.submissions_folder": "Hand-ins: {path}",
    # --- taking in the hand-ins: a folder or the platform's zip (intake) ---
    "intake.cannot_read": "{path}: cannot read it ({error})",
    "intake.bad_zip": "{path}: a zip that cannot be read ({error})",
    "intake.not_folder_or_zip": "{path}: neither a folder nor a zip file; give the folder of the "
                                "hand-ins or the course platform's zip of them",
    "intake.folder_unreadable": "a folder that cannot be read ({error})",
    "intake.too_many": "more than {limit} files in the hand-ins: the rest is not read",
    "intake.cannot_stat": "cannot be read ({error})",
    "intake.symlink": "a symbolic link (to {target}): not followed, nothing outside the hand-ins "
                      "is read",
    "intake.too_deep": "folders nested deeper than {limit}: not read",
    "intake.not_a_file": "not a regular file (a pipe, socket or device): not read",
    "intake.escapes": "its path leaves the zip's folder (an absolute path or ..): not unpacked",
    "intake.zip_link": "a symbolic link inside the zip: not unpacked",
    "intake.encrypted": "encrypted (a zip with a password): not unpacked",
    "intake.too_large": "{size} bytes: more than the {limit} bytes a hand-in may have: not "
                        "unpacked",
    "intake.total_too_large": "the zip unpacks to more than {limit} bytes in all: the rest is "
                              "not unpacked",
    "intake.damaged": "damaged in the zip ({error}): not unpacked",
    "intake.unsupported": "packed with a compression this tool cannot unpack ({error})",
    "intake.zip_in_zip": "a zip inside a zip of the hand-ins: not opened (one level only)",
    # --- grading: attempts, submitters, the grade book ---
    "grade.named_for_other": "its file name names pair {pair}, not the submitter's",
    "grade.note_submitter": "pair {pair}'s: handed in by {student}, who is in that pair",
    "grade.internal_error": "an internal error of the grader while reading it (its traceback is "
                            "in errors.log); the other files are graded",
    "grade.attempt_at": "{file}, packets {first}-{last}",
    "grade.attempt_in": "{file}",
    "grade.attempt_complete": "complete",
    "grade.attempt": "{where}: {state}",
    "grade.other_attempts": "{count} other attempt(s) of this pair at this scenario, not "
                            "counted: {list}",
    "grade.cli_no_source": "{path}: no such folder or zip (give the hand-ins: a folder, or the "
                           "course platform's zip)",
    "grade.owner_from.submitter": "submitter",
    "gradebook.feedback": "{scenario}: {verdict}",
    "gradebook.no_pair": "no capture handed in by this student could be matched to a pair",
    "gradebook.several_pairs": "this student's captures belong to several pairs: {pairs}",
    "summary.not_graded": "Not graded: {count} file(s) that count for no pair",
    "report.not_graded": "Files that count for no pair",
    "report.file": "file",
    "report.why": "why",
    "report.errors_log": "internal errors met (each cost one file, never the report): their "
                         "tracebacks are in {path}",
    # --- the annotated copy of a capture: a comment per packet (annotate) ---
    "annotate.syn": "SYN: the client asks to open a connection (handshake 1/3)",
    "annotate.syn_again": "SYN sent again: the client asks once more to open the connection",
    "annotate.synack": "SYN, ACK: the server agrees to open the connection (handshake 2/3)",
    "annotate.handshake_ack": "ACK: the client confirms; the connection is open (handshake 3/3)",
    "annotate.sends": "{side} sends {message} ({bytes} bytes)",
    "annotate.sends_many": "{side} sends {count} messages in one segment: {messages} ({bytes} "
                           "bytes)",
    "annotate.sends_part": "{side} sends part of message {number}, {message} ({bytes} of its "
                           "{total} bytes)",
    "annotate.sends_bytes": "{side} sends {bytes} bytes",
    "annotate.confirms": "{side} confirms the {bytes} bytes it received",
    "annotate.ack_nothing_new": "ACK from the {side}: nothing new to confirm (a window update)",
    "annotate.fin_first": "FIN: the {side} asks to close the connection (termination)",
    "annotate.fin_second": "FIN: the {side} closes its side too (termination)",
    "annotate.fin_second_acks": "FIN, ACK: the {side} agrees to the {other}'s request and closes "
                                "its side too (termination)",
    "annotate.fin_ack": "ACK: the {side} agrees to the {other}'s request to close",
    "annotate.last_ack": "ACK: the {side} confirms; the connection is closed",
    "annotate.reset": "RST: the {side} resets the connection",
    "annotate.lost": "lost on its way: no ACK came for it; TCP sends it again in packet "
                     "{packet}",
    "annotate.anomaly": "{kind}: {detail}",
    "annotate.problem": "problem: {problem}",
    "annotate.other_conversation": "another conversation, not the lab's ({client} → {server})",
    "annotate.in_conversation": "a packet of the lab's conversation",
    "annotate.not_tcp": "not TCP: not part of the lab",
    "link.annotated": "annotated pcapng",
    # --- students' logins: the hand-out's login section (handout), the login program (login.*) ---
    "handout.login": "Your login",
    "handout.login_intro": "You work from your own login {user}: it runs exactly the commands "
                           "of this sheet (type {help} to see them), and tcpdump writes your "
                           "captures into your folder {folder}. Log in in each terminal the "
                           "steps open:",
    "handout.login_docker": "on the Docker host {machine}:",
    "handout.login_machine": "on {machine}:",
    "handout.login_password": "Your password: {password}",
    "handout.login_password_teacher": "Your teacher gives you your password.",
    "handout.login_key": "Log in with the SSH key you gave your teacher.",
    "handout.step_server_docker_login": "In a first terminal, logged in as {user}, start the "
                                        "server:",
    "handout.step_capture_docker_login": "In a second terminal, logged in as {user}, find the "
                                         "bridge with {command} (it is {bridge}) and start the "
                                         "capture:",
    "handout.step_client_docker_login": "In a third terminal, logged in as {user}, start the "
                                        "client:",
    "handout.step_server_machine_login": "On the server machine {machine}, logged in as {user}, "
                                         "start the server:",
    "handout.step_capture_machine_login": "On {host}, logged in as {user}, start the capture on "
                                          "the interface {interface}:",
    "handout.step_capture_machine_find_login": "On {host}, logged in as {user}, find the "
                                               "interface that routes to {peer} with {command} "
                                               "(the name after \"dev\"), and start the capture "
                                               "on it, writing its name for {placeholder}:",
    "handout.step_client_machine_login": "On the client machine {machine}, logged in as {user}, "
                                         "start the client:",
    "handout.copy_out": "Copy your captures out of your folder: on your own computer, type",
    # --- the login program on the lab machines (roles/lab_students/files/tcplab-student) ---
    "login.welcome": "TCP lab {lab}, pair {pair}: this login runs the commands of your hand-out. "
                     "Type help to see them, exit to leave.",
    "login.help_title": "This login runs:",
    "login.help_exec": "docker exec -it {container} COMMAND   (your {role} container)",
    "login.help_capture": "tcpdump -i {interface} -w FILE.pcap [FILTER]   (your capture, into "
                          "your folder)",
    "login.help_capture_find": "tcpdump -i INTERFACE -w FILE.pcap   (INTERFACE: the one that "
                               "routes to {peer}: ip route get {peer})",
    "login.help_program": "python3 {path} ...   (the {role} of the lab)",
    "login.help_ip": "ip a   (the interfaces; ip route get ADDRESS)",
    "login.help_ls": "ls   (your folder {folder})",
    "login.help_copy": "From your own computer, copy a file out: {command}",
    "login.help_exit": "exit",
    "login.refused": "refused: {reason}",
    "login.not_available": "{command} is not available from this login; it runs the commands of "
                           "your hand-out (type help)",
    "login.no_sudo": "{command} is not available from this login: it never becomes root; the "
                     "commands of your hand-out work as they are (type help)",
    "login.docker_exec_only": "this login runs only docker exec in your own containers ({mine}), "
                              "not docker {command}",
    "login.not_your_container": "{container} is not one of your containers; yours: {mine}",
    "login.docker_usage": "docker exec needs your container and a command, e.g. docker exec -it "
                          "{container} bash",
    "login.docker_option": "docker exec {option} is not available from this login (-i, -t and "
                           "-it are)",
    "login.not_a_tty": "the input device is not a TTY: log in with ssh -t, or leave out -t",
    "login.container_down": "your container {container} is not running: ask your teacher",
    "login.docker_failed": "docker exec in {container} failed: {error}",
    "login.no_capture": "this login does not capture on this machine",
    "login.interface_needed": "give the interface to capture on: tcpdump -i {interface}",
    "login.not_your_interface": "tcpdump captures only on {interface}, not on {given}",
    "login.tcpdump_option": "tcpdump {option} is not available from this login",
    "login.tcpdump_value": "tcpdump {option} {value}: give a number",
    "login.write_in_folder": "tcpdump writes only into your folder {folder}: give a file name "
                             "such as {example}, not {given}",
    "login.file_name": "{given}: give a file name of letters, digits, '.', '_' or '-' ending in "
                       ".pcap, such as {example}",
    "login.filter_last": "{option}: options come before the filter",
    "login.no_tcpdump": "tcpdump is not installed on this machine: ask your teacher",
    "login.outside_folder": "you can read only your own folder {folder}, not {given}",
    "login.ip_usage": "this login runs ip a, ip link and ip route get ADDRESS (read only), not "
                      "{command}",
    "login.program_usage": "this login runs the lab programs here: {programs}",
    "login.client_host": "your client talks to your own server, {server}, not {given}",
    "login.client_file": "the client's {option} is not available from this login: type the "
                         "messages, or give them as arguments",
    "login.copy_out_only": "this login copies files out of your folder only; it takes none in",
    "login.scp_here": "scp runs on your own computer, not here: {command}",
    "login.bad_line": "cannot read the command: {error}",
    "login.no_grant": "this login has no lab on this machine: ask your teacher",
}
