"""One module per format tcplab reads or writes: plan.json, manifest.json, the lab's lines."""
