"""Student code never runs as root: the unprivileged account of a root grader's workers.

Gradescope runs `run_autograder` as root; so do CI containers and `sudo`. Then every
worker runs as WORKER_ACCOUNT (`nobody`), without supplementary groups, in both
isolations: bubblewrap itself is started as that user (its sandbox maps that user, never
root), a process-isolated worker is started as it, and a zygote's forked worker switches
to it before the submission is imported (grader.sandbox.zygote). So that this account can
grade and do nothing else:
- `hand_over` gives it the submission's working copy, its one writable folder, with a copy
  of matplotlib's font cache beside it (the grader's own is in root's home);
- `shield` takes from everyone but the owner the reading of the course's secrets (the
  stored reference values, the hidden checks; in the course's repository all it does not
  ship: the solution, the tests, .git) and the writing of the grader's files and of the
  folder results go to, where the permission bits granted it;
- the grader writes the results after every worker has ended (grader.grade).
Where the switch is impossible (a root without CAP_SETUID; GRADER_SIMULATE_MISSING=setuid),
`switch_problem` says why: student code then runs as root, said once on stderr and
recorded as the isolation PROCESS_AS_ROOT (with bubblewrap, its sandbox still holds).
"""

import functools
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader import paths
from grader.lab import GRADER_FILES, STUDENT_FILES
from grader.sandbox import launch, processes

WORKER_ACCOUNT = "nobody"
NOBODY_ID = 65534  # nobody's uid and gid on Linux, where the system has no such name
PROCESS_AS_ROOT = "process-as-root"  # the isolation recorded when student code ran as root
# What the account must not write: the grader's own files.
GRADER_TREES = (paths.GRADER_DIR, paths.DATASETS_DIR)
NOT_READABLE = stat.S_IRWXG | stat.S_IRWXO
NOT_WRITABLE = stat.S_IWGRP | stat.S_IWOTH


@dataclass(frozen=True)
class Account:
    """An unprivileged user the workers run as."""

    uid: int
    gid: int
    name: str

    @property
    def ids(self):
        return self.uid, self.gid


def running_as_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def account_named(name):
    """The Account of the user `name`; nobody's ids where the system does not know it."""
    try:
        import pwd

        entry = pwd.getpwnam(name)
        return Account(entry.pw_uid, entry.pw_gid, name)
    except (ImportError, KeyError):
        return Account(NOBODY_ID, NOBODY_ID, name)


@functools.cache
def switch_problem():
    """Why this root process cannot start workers as the account (None: it can)."""
    if not processes.FEATURES["setuid"]:
        return "this system cannot switch a process to another user"
    account = account_named(WORKER_ACCOUNT)
    try:
        subprocess.run([sys.executable, "-I", "-S", "-c", ""], check=True, timeout=60,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd="/",
                       **processes.user_options(account.ids))
    except (OSError, subprocess.SubprocessError) as error:
        return f"a process cannot become {account.name} (uid {account.uid}): {error}"
    return None


@functools.cache
def worker_account():
    """The Account workers run as: None when the grader is not root (they run as its own
    user) or cannot switch users (switch_problem says why)."""
    if not running_as_root() or switch_problem() is not None:
        return None
    return account_named(WORKER_ACCOUNT)


_warned = []


def process_isolation():
    """What process isolation is recorded as here: "process", or PROCESS_AS_ROOT where
    the grader is root and cannot switch users."""
    return PROCESS_AS_ROOT if running_as_root() and worker_account() is None else "process"


def as_root_isolation(isolation):
    """The isolation to record: PROCESS_AS_ROOT for process isolation where student code
    ran as root (said once on stderr), else `isolation` as it is."""
    if isolation != "process" or process_isolation() == "process":
        return isolation
    if not _warned:
        _warned.append(True)
        print(f"WARNING: student code runs as root: {switch_problem()}. Without bubblewrap "
              "it can change the grader, its results and anything else on this system.",
              file=sys.stderr)
    return PROCESS_AS_ROOT


# -- what the account may touch ---------------------------------------------------------------

def copy_font_cache(folder, account):
    """A copy of matplotlib's font cache in folder/launch.FONT_FOLDER, the account's to
    read and write (launch.account_font_folder finds it)."""
    target = Path(folder) / launch.FONT_FOLDER
    target.mkdir(exist_ok=True)
    for source in launch.font_cache_files():
        shutil.copyfile(source, target / source.name)
    hand_over(target, account)


def hand_over(folder, account):
    """Make the account the owner of folder and everything in it (links not followed)."""
    for top, folders, files in os.walk(folder):
        for name in (*folders, *files):
            os.chown(os.path.join(top, name), *account.ids, follow_symlinks=False)
    os.chown(folder, *account.ids, follow_symlinks=False)


def secrets():
    """What the account must not read: the stored reference values, the hidden checks,
    and in the course's own repository (COURSE_MARKER) every top-level entry the template
    does not ship (the solution, the tests and their correct variants, the history in
    .git, ...), the Python environment grading aside."""
    found = [paths.REFERENCE_VALUES, paths.HIDDEN_CHECKS_DIR]
    if paths.COURSE_MARKER.is_file():
        shipped = {source.split("/")[0] for source, _ in GRADER_FILES + STUDENT_FILES}
        found += [path for path in sorted(paths.REPO_ROOT.iterdir())
                  if path.name not in shipped and not _holds_environment(path)]
    return found


def _holds_environment(path):
    """Whether path holds the running Python, its prefix or a folder of its libraries."""
    import site

    inside = [sys.prefix, sys.exec_prefix, sys.executable, *site.getsitepackages(),
              *(entry for entry in sys.path if Path(entry).name == "site-packages")]
    top = os.path.realpath(path)
    return any(os.path.realpath(each) == top or os.path.realpath(each).startswith(top + os.sep)
               for each in inside)


def _tree(top):
    """top and, for a folder, everything under it (links are not followed)."""
    top = Path(top)
    if not top.exists() and not top.is_symlink():
        return
    yield top
    if top.is_dir() and not top.is_symlink():
        for folder, folders, files in os.walk(top):
            yield from (Path(folder) / name for name in (*folders, *files))


def _take(path, account, bits):
    """Clear `bits` of path's mode; a path the account owns is given to root first."""
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode):
        return False
    if status.st_uid == account.uid:
        os.chown(path, 0, 0, follow_symlinks=False)
    elif not status.st_mode & bits:
        return False
    os.chmod(path, stat.S_IMODE(status.st_mode) & ~bits)
    return True


def shield(account, outputs=()):
    """Take from the account (and every other user but the owners) the reading of the
    course's secrets and the writing of the grader's files and of the `outputs` folders
    (themselves, not what they hold). Returns the paths changed."""
    if account is None:
        return []
    changed = [path for top in secrets() for path in _tree(top)
               if _take(path, account, NOT_READABLE)]
    changed += [path for top in GRADER_TREES for path in _tree(top)
                if _take(path, account, NOT_WRITABLE)]
    # A sticky folder (/tmp) is everyone's by design: it is left as it is.
    return changed + [Path(folder) for folder in outputs if Path(folder).is_dir()
                      and not os.stat(folder).st_mode & stat.S_ISVTX
                      and _take(folder, account, NOT_WRITABLE)]


def let_through(folder):
    """Let every user pass through folder (not list it): a root grader's temporary folder
    on the way to the folder it hands over."""
    mode = stat.S_IMODE(os.stat(folder).st_mode)
    os.chmod(folder, mode | stat.S_IXGRP | stat.S_IXOTH)
