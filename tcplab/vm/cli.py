"""`tcplab vm`: real VMs for the lab on this machine (Makefile: make vm-lab, make vm-clean).

    tcplab vm up [--vms N] [--folder DIR] [--name NAME] [--subnet CIDR] [--memory MB]
    tcplab vm down [--folder DIR]
    tcplab vm image

`up` builds the image when the cache has none (.cache/vm/image), boots N VMs and writes DIR/inventory
(a pair per VM, captured on the host's bridge); `down` stops exactly those VMs and removes the taps,
the bridge and the firewall rule `up` made. Both need root (taps, bridge, iptables).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..arguments import Arguments
from . import fleet, image

CACHE = Path(".cache") / "vm" / "image"
FOLDER = Path("vm-lab")


def main(argv: list[str]) -> int:
    parser = Arguments(prog="tcplab vm", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down", "image"])
    parser.add_argument("--vms", type=int, default=2, help="how many VMs (default 2: two pairs)")
    parser.add_argument("--folder", type=Path, default=FOLDER,
                        help=f"where the VMs' state, consoles and inventory go (default {FOLDER})")
    parser.add_argument("--cache", type=Path, default=CACHE,
                        help=f"the image cache (default {CACHE})")
    parser.add_argument("--name", default="tcplabvm",
                        help="names the bridge (NAME-br), the taps and the lab id (default tcplabvm)")
    parser.add_argument("--subnet", default="10.251.0.0/24",
                        help="the bridge's subnet: the host is .1, the VMs .11, .12, ... "
                             "(default 10.251.0.0/24)")
    parser.add_argument("--memory", type=int, default=fleet.MEMORY_MB,
                        help=f"MiB per VM (default {fleet.MEMORY_MB})")
    args = parser.parse_args(argv)
    if args.action == "up" and not 1 <= args.vms <= 40:  # before a build that takes a minute
        parser.error(f"--vms {args.vms}: give 1 to 40 (one VM per pair)")
    try:
        if args.action == "down":
            fleet.down(args.folder)
            return 0
        built = image.ensure(args.cache)
        if args.action == "up":
            fresh = not (args.folder / "state.json").exists()
            try:
                fleet.up(args.folder, built, args.vms, name=args.name, subnet=args.subnet,
                         memory=args.memory)
            except BaseException:
                if fresh and (args.folder / "state.json").exists():
                    fleet.down(args.folder, log=lambda _line: None)  # leave nothing half made
                raise
        else:
            print(f"VM image: {built.disk}")
    except (fleet.FleetError, image.ImageError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
