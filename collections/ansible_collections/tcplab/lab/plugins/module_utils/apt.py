"""Where a Debian or Ubuntu host keeps its apt sources, and which release it runs.

The lab image is built offline with mmdebstrap from the Docker host's own sources, so it needs the
file that names them: Debian 12 and Ubuntu 24.04 keep deb822 files in sources.list.d
(debian.sources, ubuntu.sources); older systems keep /etc/apt/sources.list.
"""

import os

CANDIDATES = ("etc/apt/sources.list.d/debian.sources", "etc/apt/sources.list.d/ubuntu.sources",
              "etc/apt/sources.list")


def sources_file(root="/"):
    """The first of CANDIDATES under `root` that names at least one source, or None."""
    for candidate in CANDIDATES:
        path = os.path.join(root, candidate)
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if any(line.startswith(("deb ", "Types:", "URIs:")) for line in lines):
            return path
    return None


def release(root="/"):
    """(distribution id, codename) from os-release, e.g. ("ubuntu", "noble"); empty when unknown."""
    fields = {}
    for name in ("etc/os-release", "usr/lib/os-release"):
        try:
            with open(os.path.join(root, name), encoding="utf-8") as f:
                for line in f:
                    key, _, value = line.strip().partition("=")
                    fields[key] = value.strip().strip('"')
            break
        except OSError:
            continue
    return fields.get("ID", ""), fields.get("VERSION_CODENAME", "")
