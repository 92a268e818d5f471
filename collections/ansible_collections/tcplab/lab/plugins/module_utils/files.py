"""File helpers for the modules: checksums, writes that change only what differs, and removals that
another cleaner of the same machine may have done first."""

import hashlib
import os
import shutil
import sys


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_int(path, default=0):
    """The integer a small file holds (a pid, an exit status), or `default` when there is none."""
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return default


def discard(path):
    """Remove a file that may already be gone (another cleaner of the same machine was first)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def remove_tree(folder):
    """Remove `folder` and everything under it, while another cleaner of the same machine may be
    removing it too (the controller and a lab host that is the controller itself): what vanished
    under us is not an error."""
    def gone_already(_function, _path, error):
        error = error if isinstance(error, BaseException) else error[1]
        if not isinstance(error, FileNotFoundError):
            raise error
    if sys.version_info >= (3, 12):
        shutil.rmtree(folder, onexc=gone_already)
    else:
        shutil.rmtree(folder, onerror=gone_already)


def write_if_changed(path, text):
    """Write text (UTF-8) to path atomically, unless it already holds it; True if written."""
    data = text.encode("utf-8")
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    return True


def own_like_folder(path):
    """Give a file or folder made as root to the owner of its folder (the user who runs the lab)."""
    folder = os.stat(os.path.dirname(os.path.abspath(path)))
    mine = os.stat(path)
    if os.geteuid() == 0 and (mine.st_uid, mine.st_gid) != (folder.st_uid, folder.st_gid):
        os.chown(path, folder.st_uid, folder.st_gid)


def prune(folder):
    """Remove `folder` and the folders under it when nothing but empty folders is left."""
    if not os.path.isdir(folder):
        return
    for root, _dirs, _files in sorted(os.walk(folder), key=lambda entry: -len(entry[0])):
        try:
            os.rmdir(root)
        except OSError:
            pass


def write_programs(folder, programs, check=False):
    """The programs under folder, each written only when it differs (in check mode: nothing
    written); True if any was (would be)."""
    changed = False
    for path, content in sorted(programs.items()):
        target = os.path.join(folder, path)
        data = content.encode("utf-8")
        if os.path.exists(target):
            with open(target, "rb") as f:
                if f.read() == data:
                    continue
        if check:
            changed = True
            continue
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        with open(target + ".tmp", "wb") as f:
            f.write(data)
        os.chmod(target + ".tmp", 0o755)
        os.replace(target + ".tmp", target)
        changed = True
    return changed
