"""The temporary folders a grade copies submissions into: none is left behind.

- each is named `grading-<pid>-...` after the grading process that made it;
- it is removed whatever the submission did to it (folders it made unreadable or
  unwritable are opened up first);
- a grading process killed before it could clean up (SIGKILL, a deadline, a crash) leaves
  its folder behind: the next grade removes the folders of grading processes that are gone.
"""

import contextlib
import os
import re
import shutil
import stat
import sys
import tempfile
from pathlib import Path

PREFIX = "grading-"
NAME = re.compile(rf"^{PREFIX}(?P<pid>\d+)-")


def make(into=None):
    """A new empty folder in `into` (default: the system's temporary directory)."""
    if into is None:
        sweep()
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=into))


@contextlib.contextmanager
def temporary(prefix):
    """A temporary folder (a str) for the block, removed as `remove` does, whatever a
    submission left in it (tempfile.TemporaryDirectory's cleanup recurses once a level)."""
    folder = tempfile.mkdtemp(prefix=prefix)
    try:
        yield folder
    finally:
        remove(folder)


def _opened_up(function, path, *_):
    """rmtree's error handler: give the owner every permission on the path and its
    folder (a submission may have taken them away), then remove it once more."""
    for target in (os.path.dirname(path), path):
        try:
            mode = os.lstat(target).st_mode
            if not stat.S_ISLNK(mode):
                os.chmod(target, stat.S_IMODE(mode) | stat.S_IRWXU)
        except OSError:
            pass
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def remove(folder):
    """Remove folder and everything in it; never raises."""
    if not os.path.lexists(folder):
        return
    handler = {"onexc": _opened_up} if sys.version_info >= (3, 12) else {"onerror": _opened_up}
    try:
        shutil.rmtree(folder, **handler)
    except RecursionError:  # rmtree recurses once a level: a submission nested deeper
        _remove_deep(folder)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_deep(folder):
    """Remove folder without recursion, holding one descriptor at a time (a submission
    may nest folders past Python's recursion limit, its paths past PATH_MAX)."""
    if os.name == "nt" or not {os.open, os.rmdir, os.unlink} <= os.supports_dir_fd:
        shutil.rmtree(folder, ignore_errors=True)
        return
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle, names = os.open(folder, flags), []
    except OSError:
        return
    try:
        while True:
            child = _empty_but_folders(handle)
            if child is not None:  # go down into it
                with contextlib.suppress(OSError):
                    os.chmod(child, stat.S_IRWXU, dir_fd=handle, follow_symlinks=False)
                handle, parent = os.open(child, flags, dir_fd=handle), handle
                os.close(parent)
                names.append(child)
            elif names:  # empty: go up and remove it
                handle, emptied = os.open("..", flags, dir_fd=handle), handle
                os.close(emptied)
                os.rmdir(names.pop(), dir_fd=handle)
            else:
                break
    except OSError:
        pass
    finally:
        os.close(handle)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _empty_but_folders(handle):
    """Remove the files of the folder open as handle; the name of a folder in it, or
    None when it is empty."""
    with os.scandir(handle) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                return entry.name
            os.unlink(entry.name, dir_fd=handle)
    return None


def running(pid):
    """Whether process pid exists (on Windows, where no cheap test exists: assumed so)."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def removable(entry):
    """Whether a grading folder is this user's to remove: its own, or any for root (a root
    grader hands the copy to the unprivileged user its student code runs as)."""
    if not hasattr(os, "getuid") or os.getuid() == 0:
        return True
    return entry.stat(follow_symlinks=False).st_uid == os.getuid()


def sweep(directory=None):
    """Remove the grading folders in `directory` whose grading process is gone."""
    directory = Path(directory or tempfile.gettempdir())
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        match = NAME.match(entry.name)
        try:
            if not match or not entry.is_dir(follow_symlinks=False) or not removable(entry):
                continue
        except OSError:
            continue
        if not running(int(match["pid"])):
            remove(entry.path)
