"""One module per format tcplab reads or writes: plan.json, manifest.json, the lab's lines, and
how the lab captures a pair (capture: snaplen, a pair's filter)."""
