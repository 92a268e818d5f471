#!/bin/sh
# Install python3 with the system's package manager; runs before Ansible's modules can.
set -e
if command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${1:-python3}"
elif command -v dnf >/dev/null; then
    dnf install -y -q "${1:-python3}"
else
    echo "error: no apt-get or dnf on this machine to install python3 with" >&2
    exit 1
fi
