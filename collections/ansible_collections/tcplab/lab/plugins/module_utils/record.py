"""Judging one capture: is it ok, and if not, why (one line per reason).

A capture is ok only when every message got its correct reply, both programs exited 0, tcpdump
dropped nothing and captured every packet its filter received, the pcap on the controller has
the capture host's checksum, every TCP connection in it is its pair's (between the pair's
server and client addresses, on the scenario's port), and - for a scenario with ``loss`` -
the receiver's nft table dropped every segment it was to drop (so the capture has TCP's
retransmission of each).
"""

import copy
import ipaddress
import json
import os
import shutil
import tarfile

try:
    from tcplab.analysis.capture import read_capture
    from tcplab.analysis.packet import CaptureError
except ImportError:  # the lab's Python package is missing: the plan step has said so already
    read_capture = None

from ansible_collections.tcplab.lab.plugins.module_utils.exchange import last_line, new_result
from ansible_collections.tcplab.lab.plugins.module_utils.files import sha256, write_if_changed

# On a loopback interface the kernel hands libpcap every packet twice (out and in) and counts
# both; libpcap keeps one. Everywhere else "received by filter" must equal "captured".
COPIES_PER_PACKET = {"lo": 2}
MAX_PCAP_BYTES = 1 << 30  # a lab capture holds a few exchanges; a bigger member is refused


def merge(parts):
    """One result per pair from the parts each machine reported, in step order.

    parts: a list of {pair: partial result}; dicts merge key by key, and the first error stays
    first (it is why the exchange stopped), later ones follow it.
    """
    merged = {}
    for part in parts:
        for pair, partial in (part or {}).items():
            target = merged.setdefault(pair, {})
            _merge_into(target, copy.deepcopy(partial))
    return merged


def _merge_into(target, partial):
    for key, value in partial.items():
        if key == "error":
            if value:
                target["error"] = f"{target['error']}; {value}" if target.get("error") else value
            else:
                target.setdefault("error", "")
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        else:
            target[key] = value


def expected_replies(reply_format, messages):
    return [reply_format.replace("{message}", message) for message in messages]


def answered(client_stdout, replies):
    """How many replies, in order, the client printed (each as '<label>: <reply>' on its own)."""
    text = client_stdout + "\n"
    position, count = 0, 0
    for reply in replies:
        found = text.find(": " + reply + "\n", position)
        if found < 0:
            break
        position, count = found + len(reply) + 3, count + 1
    return count


def capture_reasons(capture):
    counts = capture.get("counts")
    if not counts:
        return ["tcpdump gave no counts (the capture did not stop cleanly)"]
    reasons = []
    if counts["dropped_by_kernel"]:
        reasons.append(f"tcpdump: {counts['dropped_by_kernel']} packets dropped by the kernel")
    copies = COPIES_PER_PACKET.get(capture.get("interface", ""), 1)
    if counts["received_by_filter"] > copies * counts["captured"]:
        reasons.append(f"tcpdump captured {counts['captured']} of the "
                       f"{counts['received_by_filter'] // copies} packets its filter received")
    if counts["captured"] == 0:
        reasons.append("tcpdump captured no packets")
    return reasons


def foreign_reasons(pcap, server, client, port):
    """One reason when the pcap holds a TCP connection that is not the pair's: other addresses
    than its server's and client's, or not on the scenario's port (two machines that share an
    address, a filter that let another pair's conversation in). Addresses that are names, not
    IP addresses, cannot be compared with the packets': nothing is said then."""
    try:
        ours = sorted(str(ipaddress.ip_address(address)) for address in (server, client))
    except ValueError:
        return []
    if read_capture is None or not pcap or not os.path.isfile(pcap):
        return []
    try:
        packets = read_capture(pcap, frozenset()).packets
    except CaptureError:
        return []  # not a capture at all: the checksum and counts speak for it
    foreign = {}
    server_end = (str(ipaddress.ip_address(server)), port)
    for packet in packets:
        # The pair's connection: between its two addresses, the server's end on the port (the
        # same two machines in the other roles, as another pair, are not it).
        if sorted((packet.src, packet.dst)) == ours and server_end in (
                (packet.src, packet.sport), (packet.dst, packet.dport)):
            continue
        ends = tuple(sorted(((packet.src, packet.sport), (packet.dst, packet.dport))))
        foreign.setdefault(ends, packet)
    if not foreign:
        return []
    first = next(iter(foreign.values()))
    more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
    return [f"the capture holds a TCP connection that is not the pair's: {first.src}:{first.sport} - "
            f"{first.dst}:{first.dport}{more} (the pair's is {server} - {client}, port {port})"]


def program_reasons(name, result):
    if not result.get("ran", False):
        return []
    if not result.get("finished", True):
        return [f"{name} did not finish in time"]
    if result.get("rc") != 0:
        return [f"{name} exited {result.get('rc')}: {last_line(result.get('stderr')) or 'no message'}"]
    return []


def loss_reasons(result, scenario):
    """A loss scenario's capture without its drop has no retransmission to show: not ok."""
    spec = scenario.get("loss")
    if not spec or result.get("error"):
        return []
    wanted = len(spec["segments"])
    dropped = (result.get("loss") or {}).get("dropped")
    if dropped == wanted:
        return []
    segments = ", ".join(str(n) for n in spec["segments"])
    shown = "no segment" if not dropped else f"{dropped} of {wanted} segments"
    return [f"scenario {scenario['name']} drops data segment {segments} {spec['direction']} once, "
            f"but the receiver dropped {shown}, so the capture lacks the retransmission it is "
            "for (did the client send that many data segments?)"]


def judge(result, scenario, messages, local_sha, pcap=None):
    """The capture's record (DESIGN.md, manifest.json's captures) from one merged result.

    local_sha: the sha256 of the pcap as it is on the controller, or None when it is not there;
    pcap: its path, read for connections that are not the pair's.
    """
    replies = expected_replies(scenario["reply_format"], messages)
    client, server = result.get("client", {}), result.get("server", {})
    capture = result.get("capture", {})
    error = result.get("error", "")
    reasons = [error] if error else []
    reasons += program_reasons("client", client) + program_reasons("server", server)
    if not client.get("ran", False) and not error:
        reasons.append("the client did not run")
    count = answered(client.get("stdout") or "", replies)
    if client.get("ran", False) and count < len(replies):
        reasons.append(f"{count} of {len(replies)} messages got their correct reply")
    # An exchange that stopped early explains an empty capture (or, before tcpdump listened, a
    # missing one); drops are still worth naming.
    if capture.get("listening") or not error:
        reasons += [r for r in capture_reasons(capture) if not (error and "no packets" in r)]
    reasons += loss_reasons(result, scenario)
    if local_sha is None:
        if capture.get("counts"):
            reasons.append("the pcap did not reach the controller")
    elif capture.get("sha256") and capture["sha256"] != local_sha:
        reasons.append("the pcap's sha256 on the controller differs from the capture host's")
    if local_sha is not None:
        reasons += foreign_reasons(pcap, server.get("address"), client.get("address"), scenario["port"])
    reasons = list(dict.fromkeys(reasons))
    return {
        "pair": result["pair"],
        "scenario": scenario["name"],
        "status": "failed" if reasons else "ok",
        "reasons": reasons,
        "started": result.get("started", ""),
        "server": {"host": server.get("host"), "address": server.get("address"),
                   "port": scenario["port"], "rc": server.get("rc")},
        "client": {"host": client.get("host"), "address": client.get("address"), "rc": client.get("rc")},
        "capture": {**{key: capture.get(key) for key in
                       ("host", "interface", "filter", "counts", "tcpdump", "listening")},
                    "sha256": local_sha},
        "image": server.get("image"),
        **({"loss": result.get("loss") or {**scenario["loss"], "dropped": None}}
           if scenario.get("loss") else {}),
        "messages": list(messages),
        "expected_replies": replies,
        "answered": count,
        "files": {},
    }


def transcript(program):
    text = program.get("stdout") or ""
    if program.get("stderr"):
        text += ("\n" if text else "") + program["stderr"]
    return text + "\n" if text and not text.endswith("\n") else text


def unpack(archives, run_dir, wanted):
    """Put each fetched pcap in place and remove the archives; {capture id: why} of those refused.

    archives: {capture host: the archive fetched from it}. wanted: {capture host: capture ids
    (``<pair>/<scenario>``) that host captured}. An archive is read as a stream, member by
    member, never whole into memory: only regular files named ``<capture id>.pcap`` of a capture
    of ITS host are taken (a host never delivers another host's pair's capture), each copied in
    blocks and refused beyond MAX_PCAP_BYTES.
    """
    refused = {}
    for host, archive in archives.items():
        if not archive or not os.path.exists(archive):
            continue
        names = {capture + ".pcap": capture for capture in wanted.get(host, ())}
        taken = set()
        try:
            with tarfile.open(archive, "r|") as tar:
                for member in tar:
                    capture = names.get(member.name)
                    if capture is None or capture in taken or not member.isfile():
                        continue
                    taken.add(capture)
                    if member.size > MAX_PCAP_BYTES:
                        refused[capture] = (f"the pcap from {host} is {member.size} bytes, more "
                                            f"than a capture may be ({MAX_PCAP_BYTES})")
                        continue
                    target = os.path.join(run_dir, member.name)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with tar.extractfile(member) as source, open(target + ".tmp", "wb") as out:
                        shutil.copyfileobj(source, out, 1 << 20)
                    os.replace(target + ".tmp", target)
        except (tarfile.TarError, OSError, EOFError) as error:
            for capture in names.values():
                if capture not in taken:
                    refused[capture] = f"the archive of pcaps from {host} is damaged: {error}"
        os.unlink(archive)
        try:
            os.rmdir(os.path.dirname(archive))  # the incoming folder, once it is empty
        except OSError:
            pass
    return refused


def record_batch(run_dir, scenarios, pairs, todo, results, archives, unready=()):
    """Judge and write every capture of a batch; returns (changed, [{pair, scenario, status, reasons}]).

    unready: machines that failed earlier in the run; a pair that needs one was not run.
    """
    captures = [(pair, scenarios[name]) for name in scenarios for pair in pairs
                if pair["name"] in todo.get(name, [])]
    ids = [f"{pair['name']}/{scenario['name']}" for pair, scenario in captures]
    by_host = {}
    for capture_id, (pair, _) in zip(ids, captures):
        by_host.setdefault(pair["capture"]["host"], []).append(capture_id)
    parts = [part for part in results if isinstance(part, dict)]
    reported = {capture for part in parts for capture in part}
    # What the plan knows of each capture (hosts, addresses) first, then what its machines reported.
    merged = merge([{capture_id: new_result(pair, scenario) for capture_id, (pair, scenario)
                     in zip(ids, captures) if capture_id in reported}] + parts)
    for capture_id, why in unpack(archives, run_dir, by_host).items():
        if capture_id in merged:
            _merge_into(merged[capture_id], {"error": why})
    changed, summary = False, []
    for capture_id, (pair, scenario) in zip(ids, captures):
        name, folder = pair["name"], os.path.join(run_dir, pair["name"])
        os.makedirs(folder, exist_ok=True)
        stopped_by = [host for host in dict.fromkeys(machines_of(pair)) if host in unready]
        if stopped_by:
            result = {"pair": name, "error": f"not run: machine {stopped_by[0]} failed earlier in this "
                                             "run (its error is above in the playbook's output)"}
        else:
            result = merged.get(capture_id) or {
                "pair": name, "error": f"no result: the machines of pair {name} did not report "
                                       "(unreachable? see the playbook's output)"}
        pcap = os.path.join(folder, scenario["name"] + ".pcap")
        record = judge(result, scenario, pair["messages"][scenario["name"]],
                       sha256(pcap) if os.path.exists(pcap) else None, pcap)
        for role in ("server", "client"):
            log = f"{scenario['name']}.{role}.log"
            changed |= write_if_changed(os.path.join(folder, log), transcript(result.get(role) or {}))
            record["files"][f"{role}_log"] = f"{name}/{log}"
        if record["capture"]["sha256"]:
            record["files"]["pcap"] = f"{name}/{scenario['name']}.pcap"
        changed |= write_if_changed(os.path.join(folder, scenario["name"] + ".json"),
                                    json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        summary.append({"pair": name, "scenario": scenario["name"], "status": record["status"],
                        "reasons": record["reasons"]})
        forget_progress(run_dir, capture_id)
    return changed, summary


def machines_of(pair):
    """The real machines a pair's capture needs: its Docker host, or its server, client and capture host."""
    if pair.get("docker_host"):
        return [pair["docker_host"]]
    return [pair["server"]["host"], pair["client"]["host"], pair["capture"]["host"]]


def forget_progress(run_dir, capture_id):
    """The exchange's progress marker of a capture has served once the capture is recorded."""
    progress = os.path.join(run_dir, ".progress")
    marker = os.path.join(progress, capture_id.replace("/", "."))
    if os.path.exists(marker):
        os.unlink(marker)
        try:
            os.rmdir(progress)
        except OSError:
            pass
