"""Bahasa Indonesia: setiap kalimat laporan (the course's language; keys as in en.py).

Istilah TCP dipakai seperti di materi praktikum (reqresp.md, upcall.md): SYN, ACK, FIN, client,
server, payload, "3-way handshake", "pertukaran data", "4-way termination", "me-request",
"melakukan packet capturing"; setiap balasan server "dibalas".
"""

NAME = "Bahasa Indonesia"

STRINGS = {
    # --- membaca file capture (pcapread) ---
    "capture.empty": "file kosong (0 byte): bukan capture pcap atau pcapng",
    "capture.too_short": "file terlalu pendek ({size} byte) untuk sebuah capture",
    "capture.not_a_capture": "bukan capture pcap atau pcapng (diawali byte {start})",
    "capture.not_a_capture_kind": "bukan capture pcap atau pcapng (diawali byte {start}: "
                                  "{kind})",
    "capture.cannot_read": "file tidak dapat dibaca: {error}",
    "capture.symlink": "sebuah symbolic link: tidak diikuti (kumpulkan file capture-nya sendiri)",
    "capture.not_a_file": "bukan file biasa (folder, pipe, atau device): tidak dibaca",
    "capture.too_large": "{size} byte: lebih besar dari batas {limit} byte untuk sebuah capture",
    "capture.gzip_empty": "file gzip yang tidak berisi apa pun",
    "capture.gzip_corrupt": "data gzip rusak ({error})",
    "capture.gzip_cut": "file gzip berakhir terlalu cepat (terpotong)",
    "capture.gzip_too_large": "file gzip berisi lebih dari batas {limit} byte untuk sebuah "
                              "capture",
    "capture.block_corrupt": "sebuah blok pcapng setelah paket {whole} rusak: file dibaca "
                             "sampai blok ini",
    "capture.pcap_header_cut": "header file pcap terpotong ({size} dari 24 byte)",
    "capture.ends_in_record_header": "file berakhir di tengah header record paket {number} "
                                     "({whole} paket utuh terbaca)",
    "capture.record_too_long": "menurut header-nya, record paket {number} berisi {size} byte: "
                               "file rusak mulai dari record ini ({whole} paket utuh terbaca)",
    "capture.ends_in_record": "file berakhir di tengah record paket {number} ({size} dari "
                              "{expected} byte; {whole} paket utuh terbaca)",
    "capture.pcapng_packet_malformed": "blok paket pcapng {number} rusak: file dibaca sampai "
                                       "blok ini",
    "capture.pcapng_unknown_interface": "paket pcapng {number} menyebut interface {interface}, "
                                        "yang tidak dijelaskan oleh blok interface mana pun",
    "capture.pcapng_simple_block_first": "blok simple packet pcapng muncul sebelum blok "
                                         "interface",
    "capture.ends_in_block_header": "file berakhir di tengah header blok pcapng ({whole} paket "
                                    "utuh terbaca)",
    "capture.section_header_cut": "header section pcapng terpotong",
    "capture.section_magic": "header section pcapng memiliki magic byte-order yang tidak dikenal",
    "capture.pcapng_no_section": "file pcapng tidak diawali header section",
    "capture.section_length": "header section pcapng dengan panjang yang tidak mungkin: "
                              "{length}",
    "capture.block_length": "blok pcapng setelah paket {whole} memiliki panjang yang tidak "
                            "mungkin ({length}): file rusak mulai dari blok ini",
    "capture.ends_in_block": "file berakhir di tengah blok pcapng ({size} dari {expected} byte; "
                             "{whole} paket utuh terbaca)",
    # --- frame yang bukan TCP (pcapread) ---
    "frame.loopback_cut": "header loopback terpotong",
    "frame.loopback_family": "frame loopback dengan address family {family}, bukan IP",
    "frame.raw_not_ip": "frame raw yang bukan IPv4/IPv6",
    "frame.link_type": "link type {linktype} tidak didukung",
    "frame.link_cut": "header link terpotong",
    "frame.ethertype": "ethertype {ethertype}, bukan IP",
    "frame.llc": "frame IEEE 802.3 (LLC), bukan IP",
    "frame.ppp": "protokol PPP {protocol}, bukan IP",
    "frame.ip_protocol": "protokol IP {protocol}, bukan TCP",
    "frame.ip_fragment": "fragmen IP",
    "frame.ipv6_next_header": "next header IPv6 {protocol}, bukan TCP",
    "frame.ipv6_fragment": "fragmen IPv6",
    "frame.ip_cut": "header IP terpotong",
    "frame.ip_malformed": "header IP rusak",
    "frame.tcp_cut": "header TCP terpotong",
    "frame.tcp_malformed": "header TCP rusak (data offset di bawah 5)",
    # --- yang diharapkan dari capture (manifest) ---
    "manifest.unreadable": "manifest.json tidak dapat dibaca ({error}); capture dicari "
                           "berdasarkan nama file dan disimpulkan dari port",
    "manifest.other_schema": "manifest.json memakai skema {schema}, seharusnya {expected}; "
                             "dibaca sejauh yang cocok",
    "manifest.none": "tidak ada manifest.json: client, server, dan skenario disimpulkan dari "
                     "port (pengirim SYN adalah client; 2222 reqresp, 4141 upcall)",
    "manifest.not_listed": "pcap ini tidak tercantum di manifest.json; disimpulkan dari port",
    "manifest.entry_skipped": "entri capture {number} di manifest tidak memiliki pair/scenario; "
                              "dilewati",
    "side.client": "client",
    "side.server": "server",
    # --- handshake, termination, anomali (connection) ---
    "handshake.none": "tidak ada 3-way handshake: capture dimulai setelah koneksi dibuka",
    "handshake.no_syn": "SYN dari client tidak tertangkap",
    "handshake.no_synack": "tidak ada SYN, ACK dari server",
    "handshake.synack_acks_other": "SYN, ACK (paket {packet}) mengonfirmasi {ack}, bukan SYN "
                                   "dari client",
    "handshake.no_ack": "ACK dari client untuk SYN, ACK tidak tertangkap",
    "teardown.open": "tidak ada FIN maupun reset: koneksi masih terbuka di akhir capture",
    "teardown.closed": "{side} menutup lebih dulu; {style} termination: {packets}",
    "teardown.three_way": "3-way",
    "teardown.four_way": "4-way",
    "teardown.n_way": "{packets}-way",
    "teardown.fin_not_acked": "{side} menutup lebih dulu, tetapi FIN-nya tidak dikonfirmasi",
    "teardown.other_fin_not_acked": "{side} menutup lebih dulu, tetapi FIN dari {other} tidak "
                                    "dikonfirmasi",
    "teardown.other_fin_missing": "{side} menutup lebih dulu, tetapi FIN dari {other} tidak "
                                  "pernah datang",
    "teardown.reset": "di-reset oleh {side} (paket {packet}, {flags}), bukan ditutup dengan "
                      "pertukaran FIN",
    "teardown.reset_after": "{reset} setelah {before}",
    "anomaly.zero_window": "{side} mengirim zero window (window = 0)",
    "anomaly.reset": "{flags} dari {side}",
    # --- stream dan pesan (streams) ---
    "anomaly.control_again": "{flags} dikirim ulang (seq {seq})",
    "anomaly.snaplen": "hanya {captured} dari {length} byte payload yang tertangkap (snap "
                       "length)",
    "anomaly.resent_lost": "{length} byte dari {side} pada seq {seq} (paket {packet}) tidak pernah "
                           "di-ACK - hilang di jalan - dan dikirim lagi {wait} ms kemudian, "
                           "{how}",
    "anomaly.after_timeout": "ketika timer retransmisi TCP habis (retransmission timeout)",
    "anomaly.after_duplicates": "setelah {count} duplicate ACK, sebelum timer habis (fast "
                                "retransmission)",
    "anomaly.after_duplicate": "setelah duplicate ACK ({count}) dari sisi lain, sebelum timer "
                               "habis",
    "anomaly.named_out_of_order": "{how}; Wireshark menandainya out-of-order: segmen ini datang "
                                  "kurang dari {window} ms setelah segmen terjauh",
    "anomaly.data_again": "{length} byte pada seq {seq} dikirim ulang",
    "anomaly.arrives_after": "seq {seq} tiba setelah seq {seen} sudah terlihat",
    "anomaly.duplicate_ack": "duplicate ACK ke-{count} dari paket {packet} oleh {side}: {side} "
                             "meminta lagi byte pada seq {ack}",
    "anomaly.late_start": "capture dimulai setelah koneksi terbuka: {missing} byte pertama dari "
                          "{side} dikirim sebelum capture dimulai",
    "anomaly.gap": "byte {side} {first}-{last} (seq relatif) tidak pernah tertangkap ({missing} "
                   "byte hilang)",
    "anomaly.more_gaps": "dan {count} lubang lagi di byte {side} {first}-{last} (seq relatif) "
                         "tidak pernah tertangkap ({missing} byte hilang di dalamnya)",
    "stream.unframed": "stream {side} tidak berisi baris yang diakhiri newline (program asli "
                       "dari materi praktikum mengirim teks polos); satu pesan per segmen data",
    "stream.ends_inside_a_line": "stream {side} berakhir di tengah baris ({rest} byte mulai "
                                 "byte {start} tanpa newline)",
    # --- tahapan (model) ---
    "phase.handshake": "handshake",
    "phase.data": "pertukaran data",
    "phase.termination": "termination",
    "phase.packets": "{phase} {packets}",
    "phase.no_packets": "tidak ada paket",
    # --- pertukaran pesan dan alasan hasil (analyze) ---
    "exchange.not_sent": "pesan {number} tidak dikirim (manifest: {want})",
    "exchange.extra_message": "pesan tambahan {number} dari client: {sent}",
    "exchange.wrong_message": "pesan {number}: client mengirim {sent}, manifest menyebut {want}",
    "exchange.reply_missing": "balasan {number} tidak ada (seharusnya {want})",
    "exchange.extra_reply": "balasan tambahan {number} dari server: {sent}",
    "exchange.server_first": "server mengirim {sent} (pesannya yang ke-{number}) sebelum pesan "
                             "pertama dari client",
    "exchange.wrong_reply": "balasan {number}: server mengirim {sent}, seharusnya {want}",
    "anomaly.dropped_by_kernel": "tcpdump melaporkan {count} paket dibuang oleh kernel",
    "anomaly.dropped_by_interface": "tcpdump melaporkan {count} paket dibuang oleh interface",
    "anomaly.checksum": "sha256 berbeda dari manifest.json",
    "error.in_file": "{file}: {problem}",
    "error.not_found": "file tidak ditemukan",
    "error.truncated": "terpotong: {detail}",
    "error.internal": "kesalahan internal saat menganalisis: {error}",
    "reason.truncated": "file terpotong: {detail}",
    "reason.checksum": "sha256 dari pcap berbeda dari yang tercatat di manifest",
    "reason.fewer_packets": "file berisi {frames} paket, tcpdump menangkap {captured}",
    "reason.no_packets": "capture tidak berisi paket",
    "reason.no_tcp": "tidak ada percakapan TCP",
    "reason.no_conversation": "tidak ada percakapan dengan port server {port}",
    "reason.no_data": "tidak ada data aplikasi yang dipertukarkan",
    "reason.loss_missing": ("skenario {scenario} menghilangkan segmen data ke-{segments} dari "
                            "{side} satu kali, tetapi {side} tidak mengirim apa pun lagi: "
                            "capture ini tidak menunjukkan retransmisi"),
    "reason.termination": "termination: {description}",
    "note.roles_without_handshake": "tidak ada handshake: client {client} dan server {server} "
                                    "dibedakan berdasarkan {how}",
    "roles.handshake": "handshake",
    "roles.manifest server port": "port server di manifest",
    "roles.scenario port": "port skenario",
    "roles.lower port (guess)": "port yang lebih kecil (tebakan)",
    "note.other_conversations": "{count} percakapan TCP lain di capture, tidak dianalisis: "
                                "{list}",
    "note.conversation": "{client} → {server} ({packets} paket)",
    "note.not_tcp": "{count} frame bukan TCP (misalnya frame {frame}: {why})",
    "note.other_server": "manifest menyebut server {named}, capture menunjukkan {seen}",
    "note.server_first": "server berbicara lebih dulu ({sent}), seperti sapaan server SMTP atau "
                         "FTP; server lab hanya membalas, jadi ini bukan request dan reply lab",
    "note.unknown_port": "port server {port} bukan milik skenario yang dikenal; balasan tidak "
                         "diperiksa",
    "note.scenario_from_port": "skenario {scenario} disimpulkan dari port server {port}",
    "note.scenario_port_differs": "nama file menyebut {named}, tetapi port server {port} milik "
                                  "{scenario}; dibaca sebagai {scenario}",
    "note.scenario_from_name_and_port": "skenario {scenario} dari nama file dan port server "
                                        "{port}",
    # --- signature alur (signature) ---
    "signature.step_differs": "langkah {step}: seharusnya '{want}', ditemukan '{got}'",
    "signature.steps_missing": "{count} langkah hilang mulai langkah {step}: '{want}' ...",
    "signature.extra_steps": "{count} langkah tambahan mulai langkah {step}: '{got}' ...",
    "signature.unknown_scenario": "tidak ada bentuk yang diharapkan: skenario tidak dikenal",
    # --- tahapan diceritakan seperti di materi praktikum (explain) ---
    "story.handshake": "Baris {rows}: dilakukan 3-way handshake untuk membuka koneksi antara "
                       "client dan server, yaitu client meminta koneksi (SYN), server "
                       "menyetujuinya (SYN, ACK), lalu client mengonfirmasi (ACK).",
    "story.handshake_partial": "Baris {rows}: dilakukan 3-way handshake, tetapi tidak lengkap "
                               "pada capture ini.",
    "story.loss": "Baris {lost}: sebuah segmen dari {side} hilang di jalan - tidak ada ACK "
                  "untuknya; TCP mengirimnya lagi pada baris {again}, {wait} ms kemudian, {how}. "
                  "TCP berhasil memulihkannya: semua byte tetap sampai, berurutan.",
    "story.loss_timeout": "ketika timer retransmisinya habis",
    "story.loss_fast": "segera setelah duplicate ACK memintanya (fast retransmission)",
    "story.data": "Baris {rows}: terjadi pertukaran data antara client dan server, yaitu "
                  "client mengirim {messages} pesan ke server, server membalas dengan {replies} "
                  "balasan, dan setiap pihak mengonfirmasi (ACK) data yang diterimanya.",
    "story.termination": "Baris {rows}: terjadi tahapan {style} termination, yaitu {closer} "
                         "me-request untuk menutup koneksi (FIN, baris {fin}), dan pada baris "
                         "{agreed} {other} menyetujui request tersebut (FIN).",
    "story.termination_unfinished": "Baris {rows}: tahapan termination belum selesai: "
                                    "{description}.",
    "story.reset": "Baris {rows}: tidak terjadi tahapan termination yang normal: {side} "
                   "me-reset koneksi (RST, baris {packet}).",
    # --- diagram ladder (ladder) ---
    "ladder.none": "{title}: tidak ada diagram ladder",
    "ladder.title": "{title}: diagram ladder, {packets} paket",
    "ladder.number": "no.",
    "ladder.time": "waktu (s)",
    "ladder.cut": "… diagram hanya menampilkan {shown} paket pertama dari {packets} paket",
    "ladder.client_to_server": "client → server",
    "ladder.server_to_client": "server → client",
    "ladder.dashed": "panah merah putus-putus: retransmisi, out-of-order, zero window, reset",
    # --- ringkasan sesi (summary) dan terminal (report) ---
    "summary.run": "Sesi {run_id}: {pairs} pasangan x {scenarios} skenario, {ok} dari "
                   "{captures} capture ok",
    "summary.pair": "pasangan",
    "summary.scenario": "skenario",
    "summary.packets": "paket",
    "summary.answered": "dibalas",
    "summary.status": "status",
    "summary.ok": "ok",
    "summary.failed": "GAGAL: {reasons}",
    "summary.report": "Laporan: {path}",
    "summary.run_folder": "Folder sesi: {path}",
    "cli.latest": "Folder tidak disebutkan: membaca sesi terakhir, {path} ({target})",
    "cli.counts": "{captures} capture: {complete} lengkap, {incomplete} tidak lengkap, "
                  "{unreadable} tidak terbaca",
    "pair.reason": "{scenario}: {reason}",
    "pair.no_capture": "tidak ada capture",
    # --- report.html dan report.md (report_html, report_md) ---
    "report.title": "Laporan tcplab: {run}",
    "report.counts": "{captures} capture: {complete} lengkap, {incomplete} tidak lengkap, "
                     "{unreadable} tidak terbaca; {matches} sesuai dengan bentuk yang "
                     "diharapkan skenarionya.",
    "report.generated": "Dibuat {time} oleh tcplab {version}.",
    "report.grades": "Daftar nilai",
    "report.summary": "Ringkasan sesi",
    "report.pair": "pasangan",
    "report.pair_verdict": "hasil pasangan",
    "report.phases": "Tahapan",
    "report.error": "Kesalahan",
    "report.note": "catatan",
    "report.complete": "lengkap",
    "report.incomplete": "tidak lengkap",
    "report.yes": "ya",
    "report.no": "tidak",
    "report.packet": "paket {number}",
    "report.anomalies": "Anomali",
    "report.every_packet": "semua paket",
    "report.first_packets": "{listed} paket pertama dari {total} paketnya (semuanya ada di pcap)",
    "report.exchange_number": "#",
    "report.client_sent": "dikirim client",
    "report.server_replied": "dibalas server",
    "report.expected_reply": "balasan yang diharapkan",
    "report.ok": "ok",
    "report.rtt": "RTT ms",
    "report.packet_number": "no.",
    "report.packet_time": "waktu",
    "report.packet_dir": "arah",
    "report.packet_flags": "flag",
    "report.packet_seq": "seq",
    "report.packet_ack": "ack",
    "report.packet_len": "len",
    "report.packet_phase": "tahapan",
    "report.packet_payload": "payload",
    "report.packet_notes": "catatan",
    "report.md_ends": "Client {client}, server {server} (peran ditentukan dari {how}).",
    "report.md_handshake": "Handshake {state} (paket {packets}): ISN client {client_isn}, "
                           "server {server_isn}; MSS {client_mss}/{server_mss}; window scale "
                           "{client_ws}/{server_ws}.",
    "report.md_termination": "Termination: {description}.",
    "report.md_signature_matches": "Signature `{hash}` sesuai dengan bentuk yang diharapkan",
    "report.md_signature_differs": "Signature `{hash}` tidak sesuai dengan bentuk yang "
                                   "diharapkan",
    "report.md_signature_not_compared": "Signature `{hash}` tidak dapat dibandingkan dengan "
                                        "bentuk yang diharapkan",
    "verdict.complete": "lengkap",
    "verdict.incomplete": "tidak lengkap",
    "verdict.unreadable": "tidak terbaca",
    "verdict.missing": "tidak ada",
    "link.diagram": "diagram",
    "link.svg": "svg",
    "link.png": "png",
    "link.server_log": "log server",
    "link.client_log": "log client",
    "link.server": "server",
    "link.client": "client",
    "link.pcap": "pcap",
    "link.missing": "tidak ada {label}",
    "link.missing_title": "file tidak ditemukan",
    "fact.file": "file",
    "fact.file_value": "{file} ({format}, {links}, {frames} frame, {tcp} TCP)",
    "fact.no_link_type": "tanpa link type",
    "fact.run_status": "status sesi",
    "fact.ends": "client → server",
    "fact.ends_value": "{client} → {server} (peran ditentukan dari {how})",
    "fact.handshake": "handshake",
    "fact.handshake_value": "{state}, ISN client {client_isn} server {server_isn}, MSS "
                            "{client_mss}/{server_mss}, window scale {client_ws}/{server_ws}",
    "fact.not_captured": "tidak tertangkap",
    "fact.client_messages": "pesan client",
    "fact.server_messages": "pesan server",
    "fact.messages_value": "{count} ({framing})",
    "fact.termination": "termination",
    "fact.signature": "signature",
    "fact.signature_matches": "{hash} sesuai dengan bentuk yang diharapkan",
    "fact.signature_differs": "{hash} tidak sesuai dengan bentuk yang diharapkan",
    "fact.signature_not_compared": "{hash} tidak dibandingkan dengan bentuk yang diharapkan",
    "fact.expected_shape": "bentuk yang diharapkan",
    "framing.line": "satu per baris",
    "framing.segments": "satu per segmen data",
    "framing.none": "tidak ada",
    "kind.retransmission": "retransmisi",
    "kind.out-of-order": "out-of-order",
    "kind.fast retransmission": "fast retransmission",
    "kind.duplicate ack": "duplicate ACK",
    "kind.late start": "capture terlambat dimulai",
    "kind.lost": "hilang",
    "kind.zero window": "zero window",
    "kind.reset": "reset",
    "kind.gap": "celah",
    "kind.snaplen": "snaplen",
    "kind.framing": "framing",
    "kind.tcpdump drops": "paket dibuang (dilaporkan tcpdump)",
    "kind.truncated file": "file terpotong",
    "kind.checksum": "checksum",
    "kind.previous segment not captured": "segmen sebelumnya tidak tertangkap",
    # --- gambar PNG dari diagram (picture) ---
    "picture.no_converter": "diagram ladder tidak dibuat sebagai PNG: rsvg-convert tidak "
                            "terpasang (paket Debian librsvg2-bin; make setup memasangnya)",
    "picture.failed": "diagram ladder tidak dapat dibuat sebagai PNG: {error}",
    # --- lembar kerja (handout) dan plan.json (planfile) ---
    "handout.title": "Lab TCP: pasangan {pair}",
    "handout.index_title": "Lab TCP {lab}, sesi {run}: lembar kerja",
    "handout.pairs": "Pasangan",
    "handout.intro": "Lab {lab}, sesi {run}. Kerjakan skenario di bawah ini secara berurutan; "
                     "setiap skenario menghasilkan satu file capture yang dikumpulkan.",
    "handout.your_lab": "Lab kalian",
    "handout.docker_host": "Docker host",
    "handout.server_container": "Container server",
    "handout.client_container": "Container client",
    "handout.bridge": "Bridge interface",
    "handout.server_machine": "Mesin server",
    "handout.client_machine": "Mesin client",
    "handout.capture_on": "Packet capturing di",
    "handout.plain_value": "{value}",
    "handout.address_value": "{name}, alamat {address}",
    "handout.bridge_value": "{bridge} (network {network}, subnet {subnet})",
    "handout.capture_value": "{host}, interface {interface}",
    "handout.capture_value_find": "{host}, interface yang menuju {peer}",
    "handout.find_bridge": "Di Docker host, perintah {command} menampilkan bridge kalian: "
                           "interface {bridge} dengan alamat {address}.",
    "handout.scenario": "{scenario} (port {port})",
    "handout.step_server_docker": "Di terminal pertama pada Docker host, jalankan server:",
    "handout.step_capture_docker": "Di terminal kedua pada Docker host, cari bridge interface "
                                   "dengan {command} (yaitu {bridge}), lalu gunakan tcpdump "
                                   "untuk melakukan packet capturing pada bridge interface "
                                   "tersebut (sebagai root, atau dengan sudo):",
    "handout.step_client_docker": "Di terminal ketiga pada Docker host, jalankan client:",
    "handout.step_server_machine": "Di mesin server {machine}, jalankan server:",
    "handout.step_capture_machine": "Di {host}, gunakan tcpdump untuk melakukan packet "
                                    "capturing pada interface {interface} (sebagai root, atau "
                                    "dengan sudo):",
    "handout.step_capture_machine_find": "Di {host}, cari interface yang menuju {peer} dengan "
                                         "{command} (namanya tertulis setelah \"dev\"), lalu "
                                         "gunakan tcpdump untuk melakukan packet capturing pada "
                                         "interface tersebut, dengan {placeholder} diganti nama "
                                         "interface itu (sebagai root, atau dengan sudo):",
    "handout.step_client_machine": "Di mesin client {machine}, jalankan client:",
    "handout.step_type": "Pada prompt client, ketik pesan-pesan berikut sesuai urutan, "
                         "masing-masing diakhiri Enter:",
    "handout.step_exit": "Ketik {exit} lalu Enter: client menutup koneksi dan server berhenti.",
    "handout.step_stop": "Matikan tcpdump dengan {keys}. Hasil packet capturing {scenario} "
                         "kalian adalah file {file}.",
    "handout.step_loss_client": ("Yang perlu diperhatikan: pada skenario ini lab "
                                 "menghilangkan segmen data ke-{segment} dari client (dihitung "
                                 "dari 1: segmen pertama yang berisi pesan) satu kali, setelah bridge, di "
                                 "sisi server. Capture kalian berisi segmen itu, lalu tidak ada "
                                 "apa pun dari server selama 200 ms atau lebih - timer "
                                 "retransmisi TCP (RTO) - lalu segmen yang sama dikirim lagi, "
                                 "yang ditandai Wireshark {flag} (filter {filter}), dan baru "
                                 "setelah itu ACK dan balasan dari server. Lab menghilangkannya "
                                 "selama sesi lab sendiri melakukan packet capturing; jika "
                                 "dikerjakan sendiri, segmen itu hilang hanya jika pengajar sudah "
                                 "memasang aturan tersebut, jika tidak capture kalian tidak "
                                 "menunjukkan retransmisi."),
    "handout.step_loss_server": ("Yang perlu diperhatikan: pada skenario ini lab "
                                 "menghilangkan segmen data ke-{segment} dari server (dihitung "
                                 "dari 1: segmen pertama yang berisi balasan) satu kali, setelah bridge, "
                                 "di sisi client. Capture kalian berisi segmen itu, lalu tidak "
                                 "ada apa pun dari client selama 200 ms atau lebih - timer "
                                 "retransmisi TCP (RTO) - lalu segmen yang sama dikirim lagi, "
                                 "yang ditandai Wireshark {flag} (filter {filter}), dan baru "
                                 "setelah itu ACK dari client. Lab menghilangkannya selama sesi "
                                 "lab sendiri melakukan packet capturing; jika dikerjakan "
                                 "sendiri, segmen itu hilang hanya jika pengajar sudah memasang "
                                 "aturan tersebut, jika tidak capture kalian tidak menunjukkan "
                                 "retransmisi."),
    "handout.empty_message": "(baris kosong: cukup tekan Enter)",
    "handout.exit_message": "(pesan ini adalah {exit} dan akan menghentikan client: tanyakan "
                            "ke pengajar)",
    "handout.hand_in": "Pengumpulan",
    "handout.hand_in_intro": "Kumpulkan file-file berikut, dengan nama persis seperti ini:",
    "handout.hand_in_item": "{file} ({scenario})",
    "handout.written": "Lembar kerja untuk {count} pasangan: {index}",
    "cli.not_a_folder": "{option} {path}: bukan folder",
    "planfile.missing": "{path}: file tidak ada (gunakan plan.json dari sebuah sesi: "
                        "captures/<run-id>/plan.json)",
    "planfile.unreadable": "{path}: plan tidak dapat dibaca ({error})",
    "planfile.not_json": "{path}: bukan JSON ({error}); gunakan plan.json yang ditulis oleh lab",
    "planfile.schema": "{path}: bukan plan tcplab (skema {schema}, seharusnya {expected})",
    "planfile.bad": "{path}: {field} bernilai {value}; seharusnya berisi {expected}",
    "planfile.expect.string": "sebuah string",
    "planfile.expect.scenarios": "skenario-skenario, dengan namanya sebagai kunci",
    "planfile.expect.scenario": "port, server, client dan reply_format",
    "planfile.expect.port": "nomor port (1-65535)",
    "planfile.expect.loss": "{direction: to_server atau to_client, segments: [2]}",
    "planfile.expect.handin": "nama file capture tanpa .pcap (huruf kecil, angka dan tanda hubung)",
    "planfile.expect.pairs": "daftar pasangan",
    "planfile.expect.pair_name": "nama pasangan yang unik (huruf kecil, angka dan tanda hubung)",
    "planfile.expect.kind": "docker atau machines",
    "planfile.expect.end": "host dan alamatnya",
    "planfile.expect.capture": "titik capture-nya",
    "planfile.expect.students": "daftar mahasiswa, masing-masing dengan name (dan id)",
    "planfile.expect.messages": "daftar string untuk setiap skenario",
    # --- capture milik mahasiswa sendiri, dinilai terhadap plan (grade, summary) ---
    "exchange.not_sent.plan": "pesan {number} tidak dikirim (lembar kerja: {want})",
    "exchange.wrong_message.plan": "pesan {number}: client mengirim {sent}, lembar kerja "
                                   "menyebut {want}",
    "grade.copied": "berisi pesan-pesan milik pasangan {pair}",
    "grade.no_pair": "pesan-pesannya bukan milik pasangan mana pun: {messages}",
    "grade.unknown_owner": "tidak diketahui milik siapa capture ini: nama filenya tidak diawali "
                           "nama pasangan (<pasangan>-tcp.pcap) dan tidak berisi pesan milik "
                           "pasangan mana pun",
    "grade.several_owners": "tidak diketahui milik siapa capture ini: berisi pesan pasangan "
                            "{pairs} dalam jumlah yang sama",
    "grade.no_scenario": "tidak ada percakapan pada port server sebuah skenario ({ports})",
    "grade.note_named": "nama file menyebut pasangan {pair}",
    "grade.note_by_messages": "milik pasangan {pair} menurut pesannya: {count} pesan milik "
                              "pasangan itu ada di dalamnya",
    "grade.note_scenario_port": "skenario {scenario} dari port server {port}",
    "grade.note_scenario_file_name": "skenario {scenario} dari nama file",
    "grade.note_scenario_messages": "skenario {scenario} dari pesan-pesannya",
    "grade.note_same_file": "file yang sama persis dengan {files}",
    "grade.source": "capture yang dikumpulkan ({source}), dinilai terhadap plan sesi {run_id} "
                    "({plan})",
    "grade.no_own_messages": "plan tidak memberi pasangan mana pun pesan miliknya sendiri "
                             "(lab_messages_seed tidak diisi): pemilik capture hanya diketahui "
                             "dari nama filenya",
    "grade.owner_from.file name": "nama file",
    "grade.owner_from.messages": "pesan",
    "grade.owner_from.unknown": "tidak diketahui",
    "grade.cli_latest": "--plan tidak disebutkan: menilai terhadap plan sesi terakhir, {path} "
                        "({target})",
    "summary.submissions": "Capture yang dikumpulkan, dinilai terhadap plan sesi {run_id}: "
                           "{captures} capture untuk {pairs} pasangan x {scenarios} skenario; "
                           "{complete} lengkap, {incomplete} tidak lengkap, {unreadable} tidak "
                           "terbaca, {missing} tidak ada",
    "summary.file": "file",
    "summary.whose": "milik",
    "summary.verdict": "hasil",
    "summary.verdict_reasons": "{verdict}: {reasons}",
    "summary.submissions_folder": "Kumpulan tugas: {path}",
    # --- menerima kumpulan tugas: folder atau zip dari platform kuliah (intake) ---
    "intake.cannot_read": "{path}: tidak dapat dibaca ({error})",
    "intake.bad_zip": "{path}: zip yang tidak dapat dibaca ({error})",
    "intake.not_folder_or_zip": "{path}: bukan folder dan bukan file zip; gunakan folder kumpulan "
                                "tugas atau zip unduhan dari platform kuliah",
    "intake.folder_unreadable": "folder yang tidak dapat dibaca ({error})",
    "intake.too_many": "lebih dari {limit} file dalam kumpulan tugas: sisanya tidak dibaca",
    "intake.cannot_stat": "tidak dapat dibaca ({error})",
    "intake.symlink": "sebuah symbolic link (ke {target}): tidak diikuti, tidak ada yang dibaca "
                      "di luar kumpulan tugas",
    "intake.too_deep": "folder bertingkat lebih dalam dari {limit}: tidak dibaca",
    "intake.not_a_file": "bukan file biasa (pipe, socket, atau device): tidak dibaca",
    "intake.escapes": "path-nya keluar dari folder zip (path absolut atau ..): tidak diekstrak",
    "intake.zip_link": "symbolic link di dalam zip: tidak diekstrak",
    "intake.encrypted": "terenkripsi (zip dengan password): tidak diekstrak",
    "intake.too_large": "{size} byte: lebih dari batas {limit} byte untuk satu file tugas: tidak "
                        "diekstrak",
    "intake.total_too_large": "isi zip lebih dari {limit} byte seluruhnya: sisanya tidak "
                              "diekstrak",
    "intake.damaged": "rusak di dalam zip ({error}): tidak diekstrak",
    "intake.unsupported": "dikompres dengan cara yang tidak dapat diekstrak alat ini ({error})",
    "intake.zip_in_zip": "zip di dalam zip kumpulan tugas: tidak dibuka (hanya satu tingkat)",
    # --- penilaian: percobaan, pengumpul, buku nilai ---
    "grade.named_for_other": "nama filenya menyebut pasangan {pair}, bukan pasangan pengumpulnya",
    "grade.note_submitter": "milik pasangan {pair}: dikumpulkan oleh {student}, anggota pasangan "
                            "itu",
    "grade.internal_error": "terjadi internal error pada penilai saat membaca file ini "
                            "(traceback-nya ada di errors.log); file lain tetap dinilai",
    "grade.attempt_at": "{file}, paket {first}-{last}",
    "grade.attempt_in": "{file}",
    "grade.attempt_complete": "lengkap",
    "grade.attempt": "{where}: {state}",
    "grade.other_attempts": "{count} percobaan lain dari pasangan ini untuk skenario ini, tidak "
                            "dihitung: {list}",
    "grade.cli_no_source": "{path}: folder atau zip tidak ada (gunakan kumpulan tugas: sebuah "
                           "folder, atau zip dari platform kuliah)",
    "grade.owner_from.submitter": "pengumpul",
    "gradebook.feedback": "{scenario}: {verdict}",
    "gradebook.no_pair": "tidak ada capture dari mahasiswa ini yang cocok dengan sebuah pasangan",
    "gradebook.several_pairs": "capture mahasiswa ini milik beberapa pasangan: {pairs}",
    "summary.not_graded": "Tidak dinilai: {count} file yang tidak dihitung untuk pasangan mana pun",
    "report.not_graded": "File yang tidak dihitung untuk pasangan mana pun",
    "report.file": "file",
    "report.why": "alasan",
    "report.errors_log": "terjadi internal error (masing-masing hanya mengenai satu file, tidak "
                         "pernah seluruh laporan): traceback-nya ada di {path}",
    # --- salinan capture yang diberi keterangan: satu komentar per paket (annotate) ---
    "annotate.syn": "SYN: client meminta membuka koneksi (3-way handshake 1/3)",
    "annotate.syn_again": "SYN dikirim lagi: client sekali lagi meminta membuka koneksi",
    "annotate.synack": "SYN, ACK: server menyetujui pembukaan koneksi (3-way handshake 2/3)",
    "annotate.handshake_ack": "ACK: client mengonfirmasi; koneksi terbuka (3-way handshake 3/3)",
    "annotate.sends": "{side} mengirim {message} ({bytes} byte)",
    "annotate.sends_many": "{side} mengirim {count} pesan dalam satu segmen: {messages} ({bytes} "
                           "byte)",
    "annotate.sends_part": "{side} mengirim sebagian pesan ke-{number}, {message} ({bytes} dari "
                           "{total} byte)",
    "annotate.sends_bytes": "{side} mengirim {bytes} byte",
    "annotate.confirms": "{side} mengonfirmasi {bytes} byte yang diterimanya",
    "annotate.ack_nothing_new": "ACK dari {side}: tidak ada byte baru yang dikonfirmasi "
                                "(pembaruan window)",
    "annotate.fin_first": "FIN: {side} me-request untuk menutup koneksi (termination)",
    "annotate.fin_second": "FIN: {side} juga menutup sisinya (termination)",
    "annotate.fin_second_acks": "FIN, ACK: {side} menyetujui request {other} dan juga menutup "
                                "sisinya (termination)",
    "annotate.fin_ack": "ACK: {side} menyetujui request {other} untuk menutup koneksi",
    "annotate.last_ack": "ACK: {side} mengonfirmasi; koneksi tertutup",
    "annotate.reset": "RST: {side} me-reset koneksi",
    "annotate.lost": "hilang di jalan: tidak ada ACK untuknya; TCP mengirimnya ulang di paket "
                     "{packet}",
    "annotate.anomaly": "{kind}: {detail}",
    "annotate.problem": "masalah: {problem}",
    "annotate.other_conversation": "percakapan lain, bukan percakapan lab ({client} → {server})",
    "annotate.in_conversation": "sebuah paket dari percakapan lab",
    "annotate.not_tcp": "bukan TCP: bukan bagian dari lab",
    "link.annotated": "pcapng berketerangan",
    # --- login mahasiswa: bagian login di lembar kerja (handout), program login (login.*) ---
    "handout.login": "Login kalian",
    "handout.login_intro": "Kalian bekerja dari login kalian sendiri, {user}: login ini "
                           "menjalankan persis perintah-perintah di lembar ini (ketik {help} "
                           "untuk melihatnya), dan tcpdump menyimpan capture kalian di folder "
                           "kalian {folder}. Login di setiap terminal yang dibuka oleh langkah-"
                           "langkah berikut:",
    "handout.login_docker": "di Docker host {machine}:",
    "handout.login_machine": "di {machine}:",
    "handout.login_password": "Password kalian: {password}",
    "handout.login_password_teacher": "Password kalian didapat dari pengajar.",
    "handout.login_key": "Login dengan kunci SSH yang kalian kirimkan kepada pengajar.",
    "handout.step_server_docker_login": "Di terminal pertama, login sebagai {user}, jalankan "
                                        "server:",
    "handout.step_capture_docker_login": "Di terminal kedua, login sebagai {user}, cari bridge "
                                         "interface dengan {command} (yaitu {bridge}), lalu "
                                         "lakukan packet capturing:",
    "handout.step_client_docker_login": "Di terminal ketiga, login sebagai {user}, jalankan "
                                        "client:",
    "handout.step_server_machine_login": "Di mesin server {machine}, login sebagai {user}, "
                                         "jalankan server:",
    "handout.step_capture_machine_login": "Di {host}, login sebagai {user}, lakukan packet "
                                          "capturing pada interface {interface}:",
    "handout.step_capture_machine_find_login": "Di {host}, login sebagai {user}, cari interface "
                                               "yang menuju {peer} dengan {command} (nama "
                                               "setelah \"dev\"), lalu lakukan packet capturing "
                                               "pada interface tersebut, dengan namanya "
                                               "menggantikan {placeholder}:",
    "handout.step_client_machine_login": "Di mesin client {machine}, login sebagai {user}, "
                                         "jalankan client:",
    "handout.copy_out": "Salin capture kalian dari folder kalian: di komputer kalian sendiri, "
                        "ketik",
    # --- program login di mesin lab (roles/lab_students/files/tcplab-student) ---
    "login.welcome": "Lab TCP {lab}, pasangan {pair}: login ini menjalankan perintah-perintah di "
                     "lembar kerja kalian. Ketik help untuk melihatnya, exit untuk keluar.",
    "login.help_title": "Login ini menjalankan:",
    "login.help_exec": "docker exec -it {container} PERINTAH   (container {role} kalian)",
    "login.help_capture": "tcpdump -i {interface} -w FILE.pcap [FILTER]   (capture kalian, "
                          "disimpan di folder kalian)",
    "login.help_capture_find": "tcpdump -i INTERFACE -w FILE.pcap   (INTERFACE: yang menuju "
                               "{peer}: ip route get {peer})",
    "login.help_program": "python3 {path} ...   ({role} lab ini)",
    "login.help_ip": "ip a   (daftar interface; ip route get ALAMAT)",
    "login.help_ls": "ls   (folder kalian {folder})",
    "login.help_copy": "Dari komputer kalian sendiri, salin file keluar: {command}",
    "login.help_exit": "exit",
    "login.refused": "ditolak: {reason}",
    "login.not_available": "{command} tidak tersedia di login ini; login ini menjalankan "
                           "perintah-perintah di lembar kerja kalian (ketik help)",
    "login.no_sudo": "{command} tidak tersedia di login ini: login ini tidak pernah menjadi "
                     "root; perintah-perintah di lembar kerja kalian berjalan apa adanya (ketik "
                     "help)",
    "login.docker_exec_only": "login ini hanya menjalankan docker exec di container kalian "
                              "sendiri ({mine}), bukan docker {command}",
    "login.not_your_container": "{container} bukan container kalian; container kalian: {mine}",
    "login.docker_usage": "docker exec membutuhkan container kalian dan sebuah perintah, "
                          "misalnya docker exec -it {container} bash",
    "login.docker_option": "docker exec {option} tidak tersedia di login ini (-i, -t dan -it "
                           "tersedia)",
    "login.not_a_tty": "input bukan TTY: login dengan ssh -t, atau jangan pakai -t",
    "login.container_down": "container kalian {container} tidak berjalan: tanyakan kepada pengajar",
    "login.docker_failed": "docker exec di {container} gagal: {error}",
    "login.no_capture": "login ini tidak melakukan capture di mesin ini",
    "login.interface_needed": "sebutkan interface untuk capture: tcpdump -i {interface}",
    "login.not_your_interface": "tcpdump hanya melakukan capture di {interface}, bukan di {given}",
    "login.tcpdump_option": "tcpdump {option} tidak tersedia di login ini",
    "login.tcpdump_value": "tcpdump {option} {value}: gunakan sebuah angka",
    "login.write_in_folder": "tcpdump hanya menyimpan file di folder kalian {folder}: gunakan "
                             "nama file seperti {example}, bukan {given}",
    "login.file_name": "{given}: gunakan nama file dari huruf, angka, '.', '_' atau '-' yang "
                       "berakhiran .pcap, seperti {example}",
    "login.filter_last": "{option}: opsi ditulis sebelum filter",
    "login.no_tcpdump": "tcpdump tidak terpasang di mesin ini: tanyakan kepada pengajar",
    "login.outside_folder": "kalian hanya bisa membaca folder kalian sendiri {folder}, bukan "
                            "{given}",
    "login.ip_usage": "login ini menjalankan ip a, ip link dan ip route get ALAMAT (hanya "
                      "membaca), bukan {command}",
    "login.program_usage": "login ini menjalankan program lab di sini: {programs}",
    "login.client_host": "client kalian berbicara dengan server kalian sendiri, {server}, bukan "
                         "{given}",
    "login.client_file": "opsi {option} client tidak tersedia di login ini: ketik pesannya, atau "
                         "tulis sebagai argumen",
    "login.copy_out_only": "login ini hanya menyalin file keluar dari folder kalian; tidak "
                           "menerima file masuk",
    "login.scp_here": "scp dijalankan di komputer kalian sendiri, bukan di sini: {command}",
    "login.bad_line": "perintah tidak bisa dibaca: {error}",
    "login.no_grant": "login ini tidak punya lab di mesin ini: tanyakan kepada pengajar",
}
