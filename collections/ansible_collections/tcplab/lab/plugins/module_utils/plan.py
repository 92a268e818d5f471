"""What a machine reads from its pair's plan record: the capture filter and where a capture's
files go. Small on purpose: it ships to every capture host. The plan itself is made on the
controller by `tcplab.planning` (the action plugin tcplab.lab.plan).
"""

import os


def capture_filter(pair, port):
    """tcpdump's filter for one pair's conversation on one port: between its client and its
    server's port, so two pairs on the same two machines in turned roles, on one bridge, are
    told apart."""
    server = pair["server"]["address"]
    return (f"tcp and host {pair['client']['address']} and "
            f"((src host {server} and src port {port}) or (dst host {server} and dst port {port}))")


def capture_paths(plan, pair, scenario):
    """(pcap, spool stem) of one capture on its capture host.

    The pcap lands in the run folder at once when the capture host is the controller, else in the
    spool until it is fetched. tcpdump's pid and log always stay in the spool.
    """
    stem = os.path.join(plan["spool"], plan["lab_id"], plan["run_id"], pair["name"], scenario)
    if pair["capture"]["local"]:
        return os.path.join(plan["run_dir"], pair["name"], scenario + ".pcap"), stem
    return stem + ".pcap", stem
