"""Everything a user other than root needs to run the lab, prepared where that user can read it.

The project's clone and the suite's Python may sit in folders only root can enter (a clone in
/root, pyenv's Pythons under /root/.pyenv). prepare() gives the user, in its home:

- tcplab/: a copy of the project's files (what git tracks, and new files it does not ignore);
- python/: a copy of the suite's interpreter, made only when the user cannot run the suite's own;
- venv/: a virtualenv on that interpreter with the distributions the lab needs (ansible-core,
  dpkt and everything they require), copied from the suite's own environment: the same versions
  as the suite's, and nothing downloaded; and the lab's tcplab package from the copy (editable).
"""
import dataclasses
import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

# What the lab's playbooks import on the controller: Ansible, and the analyzer's pcap reader.
LAB_DISTRIBUTIONS = ("ansible-core", "dpkt")
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclasses.dataclass(frozen=True)
class Lab:
    """A user's own copy of the lab: its project folder, its Python, the environment to run in."""

    project: Path
    python: Path
    environment: dict


def as_user(user, argv, env=None, cwd=None, check=False, timeout=300):
    """Run argv as `user` (a pwd entry) with exactly `env` as its environment."""
    variables = [f"{key}={value}" for key, value in (env or {}).items()]
    command = ["runuser", "-u", user.pw_name, "--", "env", "-i", *variables, *argv]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=check,
                          timeout=timeout)


def can_read(user, path):
    """Whether `user` can read `path` (every folder above it included)."""
    return as_user(user, ["test", "-r", str(path)]).returncode == 0


def project_files(root):
    """The project's files as a fresh clone has them: tracked, or new and not ignored.

    A folder that is not a git checkout (a copy made by copy_project) is taken whole.
    """
    if not (root / ".git").exists():
        return sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                      if path.is_file())
    command = ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
               "--exclude-standard"]
    listed = subprocess.run(command, capture_output=True, check=True).stdout.decode()
    return [name for name in listed.split("\0") if name and (root / name).is_file()]


def copy_project(root, destination):
    """Copy the project's files from `root` to `destination`; the copy's folder."""
    for name in project_files(root):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return destination


def distributions(names):
    """The installed distributions `names` and everything they require, recursively."""
    found, todo = {}, list(names)
    while todo:
        distribution = importlib.metadata.distribution(todo.pop())
        key = distribution.metadata["Name"].lower().replace("_", "-")
        if key in found:
            continue
        found[key] = distribution
        for text in distribution.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(found.values())


def copy_distributions(names, site_packages):
    """Copy the files of `names` and their requirements that live in the suite's site-packages."""
    for distribution in distributions(names):
        base = Path(distribution.locate_file(""))
        for entry in distribution.files or []:
            source = Path(os.path.normpath(base / entry))
            if source.is_relative_to(base) and source.is_file():
                target = site_packages / source.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


def interpreter(user, folder):
    """The suite's Python if `user` can run it, else a copy of its installation in `folder`.

    The copy holds the interpreter, its shared library and its standard library (without the
    tests); a shared build's binary finds its library through its run path, pointed at the copy.
    """
    own = Path(sys.base_prefix, "bin", f"python{VERSION}")
    if as_user(user, [str(own), "-c", "pass"]).returncode == 0:
        return own
    source = Path(sys.base_prefix)
    ignored = shutil.ignore_patterns("test", "site-packages", "config-*", "idlelib", "turtledemo")
    library = Path("lib", f"python{VERSION}")
    shutil.copytree(source / library, folder / library, ignore=ignored, symlinks=True)
    libraries = sorted((source / "lib").glob(f"libpython{VERSION}*.so*"))
    for library in libraries:
        shutil.copy2(library, folder / "lib", follow_symlinks=False)
    copy = folder / "bin" / f"python{VERSION}"
    copy.parent.mkdir(parents=True)
    shutil.copy2(own, copy)
    if libraries:
        subprocess.run(["patchelf", "--set-rpath", "$ORIGIN/../lib", str(copy)], check=True)
    return copy


def prepare(user, project):
    """Give `user` a copy of `project` and a Python to run it with, all in its home."""
    home = Path(user.pw_dir)
    copy = copy_project(project, home / "tcplab")
    python = interpreter(user, home / "python")
    venv = home / "venv"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True,
                   capture_output=True)
    site_packages = venv / "lib" / f"python{VERSION}" / "site-packages"
    copy_distributions(LAB_DISTRIBUTIONS, site_packages)
    # The lab's own package from the user's copy, as make's editable install does.
    (site_packages / "tcplab.pth").write_text(f"{copy}\n", encoding="utf-8")
    subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(home)], check=True)
    environment = {"HOME": str(home), "USER": user.pw_name, "LOGNAME": user.pw_name,
                   "LANG": "C.UTF-8", "PATH": f"{venv / 'bin'}:{SYSTEM_PATH}",
                   "ANSIBLE_CONFIG": str(copy / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return Lab(project=copy, python=venv / "bin" / "python", environment=environment)
