"""The lab VMs' Debian image: built offline by debvm-create from the host's apt sources, cached.

The cache folder holds the disk (a raw ext4 file system), the kernel and initrd taken out of it
for direct kernel boot, the key pair that logs in as `teacher`, and `recipe.json`: what the image
was built from. A cache whose recipe differs from today's is built again.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

USER = "teacher"
PACKAGES = ("python3", "sudo", "openssh-server", "iproute2", "tcpdump", "nftables")
SOURCES = ("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list")
# The management NIC sits in PCI slot 3 (DHCP from QEMU's user network); the lab NIC, slot 4, is
# configured from the kernel command line (ip=...) by systemd-network-generator.
CUSTOMIZE = """#!/bin/sh
set -eu
root=$1
chroot "$root" useradd --create-home --shell /bin/bash --groups sudo {user}
mkdir -p -m 700 "$root/home/{user}/.ssh"
printf '%s\\n' {key} > "$root/home/{user}/.ssh/authorized_keys"
chroot "$root" chown -R {user}:{user} /home/{user}/.ssh
echo '{user} ALL=(ALL) NOPASSWD:ALL' > "$root/etc/sudoers.d/{user}"
chmod 440 "$root/etc/sudoers.d/{user}"
printf '[Match]\\nPath=pci-0000:00:03.0\\n[Network]\\nDHCP=yes\\n' \\
  > "$root/etc/systemd/network/20-wired.network"
chroot "$root" systemctl enable systemd-network-generator.service
"""


class ImageError(Exception):
    """The image cannot be built or read; the message says why, one line."""


@dataclass(frozen=True)
class Image:
    """The files of a cached image."""

    folder: Path
    disk: Path
    kernel: Path
    initrd: Path
    key: Path
    recipe: Path

    @classmethod
    def at(cls, folder: Path) -> Image:
        names = ("disk.ext4", "vmlinuz", "initrd.img", "id_ed25519", "recipe.json")
        return cls(folder, *(folder / name for name in names))


def host_release() -> str:
    for name in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            for line in Path(name).read_text(encoding="utf-8").splitlines():
                key, _, value = line.partition("=")
                if key == "VERSION_CODENAME" and value.strip('"'):
                    return value.strip('"')
        except OSError:
            continue
    raise ImageError("cannot tell this host's Debian release (no VERSION_CODENAME in "
                     "/etc/os-release): the VM image is built from the host's own apt sources")


def host_sources() -> str:
    for name in SOURCES:
        if Path(name).is_file() and Path(name).stat().st_size:
            return name
    raise ImageError(f"no apt sources on this host ({' or '.join(SOURCES)}): the VM image is "
                     f"built from them")


def recipe(release: str, sources: str) -> dict:
    return {"release": release, "sources": sources, "packages": list(PACKAGES), "user": USER,
            "customize": hashlib.sha256(CUSTOMIZE.encode()).hexdigest()[:16]}


def ensure(folder: Path, log=print) -> Image:
    """The cached image in `folder`, built first when missing or made from another recipe."""
    image = Image.at(folder)
    wanted = recipe(host_release(), host_sources())
    try:
        have = json.loads(image.recipe.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        have = None
    parts = (image.disk, image.kernel, image.initrd, image.key)
    if have == wanted and all(part.is_file() for part in parts):
        return image
    for tool in ("debvm-create", "debugfs", "ssh-keygen"):
        if shutil.which(tool) is None:
            raise ImageError(f"{tool} is not installed: make vm-lab installs it (Debian packages "
                             f"debvm, e2fsprogs, openssh-client)")
    log(f"Building the VM image (Debian {wanted['release']}, about a minute) in {folder}")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"tcplab-vm-{USER}",
                    "-f", str(image.key)], check=True)
    public = image.key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    script = folder / "customize.sh"
    script.write_text(CUSTOMIZE.format(user=USER, key=shlex.quote(public)), encoding="utf-8")
    argv = ["debvm-create", "-r", wanted["release"], "-o", str(image.disk), "-z", "2G", "--",
            f"--include={','.join(PACKAGES)}", f"--customize-hook=sh {shlex.quote(str(script))} \"$1\"",
            wanted["sources"]]
    with (folder / "build.log").open("w", encoding="utf-8") as out:
        done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise ImageError(f"debvm-create failed ({done.returncode}); its output: {folder / 'build.log'}")
    for link, target in (("vmlinuz", image.kernel), ("initrd.img", image.initrd)):
        _extract(image.disk, link, target)
    image.recipe.write_text(json.dumps(wanted, indent=1) + "\n", encoding="utf-8")
    return image


def _extract(disk: Path, link: str, target: Path) -> None:
    """Copy the file that /<link> (or /boot/<link>) points to out of the ext4 disk."""
    for name in (link, f"boot/{link}"):
        stat = subprocess.run(["debugfs", "-R", f"stat {name}", str(disk)], capture_output=True,
                              text=True)
        for line in stat.stdout.splitlines():
            if 'Fast link dest: "' in line:
                dest = line.split('"')[1]
                with target.open("wb") as out:
                    subprocess.run(["debugfs", "-R", f"cat {dest}", str(disk)], stdout=out,
                                   stderr=subprocess.DEVNULL, check=True)
                if target.stat().st_size:
                    return
    raise ImageError(f"{disk}: no /{link} in the image (debvm-create installs a kernel)")
