"""Bubblewrap isolation of the worker (Linux): what student code can see and do.

A sandboxed worker is started as `bwrap [options] python worker.py`, with:
- read-only: the Python runtime, the installed libraries (site-packages only, never the
  folder holding them) and the worker's own modules (WORKER_MODULES, bound one by one at
  WORKER_ROOT: nothing of the reference, the checks or the stored values);
- writable: the submission's copy (its only writable folder) and a private tmpfs /tmp;
- no network, its own PID, IPC, UTS and user namespaces, a new session, no capabilities,
  killed with its parent; an environment of a few fixed settings only.
matplotlib's font cache is bound read-only into /tmp/matplotlib, so start-up stays fast.

`python -m grader` starts each worker fresh in a sandbox of its own (`worker_command`); a
regrade starts one sandboxed zygote per job slot (`start_zygote`), which forks a worker
per submission, each in a PID namespace of its own (grader.sandbox.zygote,
grader.sandbox.namespaces):
the imports are paid once per slot, as without the sandbox.

Where bubblewrap cannot run (not installed, user namespaces refused, not Linux), `resolve`
says so once and the worker runs with process isolation only (grader.sandbox.processes).
A single grade does not probe first: it starts its worker in bwrap wherever bwrap is
installed, and falls back when that worker cannot start (grader.sandbox.handle).
"""

import functools
import os
import shutil
import site
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.sandbox import privileges, processes

MODES = ("auto", "bwrap", "none")
BWRAP = "bwrap"  # the isolation recorded in results when bubblewrap was used
PROCESS = "process"  # ... and when it was not
INSTALL_HINT = ("install bubblewrap (`sudo apt-get install -y bubblewrap`); on GitHub's Ubuntu "
                "runners also `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`")
WORKER_ROOT = "/opt/grader-worker"
PACKAGE = Path(__file__).resolve().parents[1]  # grader/
# The worker's side of the grader (paths in grader/): everything the worker and the zygote
# import, and nothing else: no reference, no checks, no stored values.
WORKER_MODULES = ("__init__.py", "lab.py", "sandbox/__init__.py", "sandbox/entry.py",
                  "sandbox/worker.py", "sandbox/zygote.py", "sandbox/protocol.py",
                  "sandbox/loading.py", "sandbox/figures.py", "sandbox/processes.py",
                  "sandbox/guard.py", "sandbox/training.py", "sandbox/namespaces.py",
                  "sandbox/serving.py", "sandbox/paramswatch.py", "sandbox/hiding.py")
ENTRY = f"{WORKER_ROOT}/grader/sandbox/entry.py"  # where entry.py is bound inside
FONT_CACHE = "/tmp/matplotlib"
SYSTEM_FOLDERS = ("/usr", "/etc/alternatives")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")
MERGED_USR = ("bin", "lib", "lib32", "lib64", "sbin")  # /bin -> usr/bin on merged-/usr systems
PROBE_TIMEOUT = 20.0


class SandboxUnavailable(RuntimeError):
    """`--sandbox bwrap` was asked for where bubblewrap cannot run; `str` says why."""


def python_executable():
    """The real interpreter (a venv's python is a symlink to it)."""
    return os.path.realpath(sys.executable)


def library_folders():
    """Folders of installed packages to bind read-only: site-packages, never their parents."""
    candidates = list(site.getsitepackages()) + [
        entry for entry in sys.path if Path(entry).name in ("site-packages", "dist-packages")]
    found = []
    for folder in candidates:
        folder = os.path.realpath(folder)
        if Path(folder).is_dir() and folder not in found:
            found.append(folder)
    return found


def runtime_folders():
    """Folders of the Python runtime itself (the standard library, the interpreter)."""
    folders = [os.path.realpath(sys.base_prefix)]
    executable_folder = str(Path(python_executable()).parent)
    if not any(_inside(executable_folder, folder) for folder in folders + ["/usr"]):
        folders.append(executable_folder)
    return folders


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def environment(home):
    """The sandboxed worker's whole environment."""
    from grader.sandbox.launch import WORKER_ENVIRONMENT

    return {**WORKER_ENVIRONMENT, "MPLCONFIGDIR": FONT_CACHE, "HOME": str(home),
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
            "PYTHONPATH": os.pathsep.join(library_folders())}


def font_cache_files(writable):
    """The font cache files to bind: the grader's, or for a worker run as another user
    the copy beside its writable folder (the grader's may be in a home it cannot read)."""
    from grader.sandbox import launch

    if privileges.worker_account() is None:
        return launch.font_cache_files()
    return sorted(launch.account_font_folder(writable).glob("fontlist-v*.json"))


def bwrap_options(writable, zygote=False):
    """bwrap's options (without the command) for a sandbox whose one writable folder is
    `writable`; it becomes the working directory and HOME. A zygote keeps CAP_SYS_ADMIN
    of its own user namespace, to give each worker a PID namespace (grader.namespaces);
    the workers drop it before student code runs."""
    capabilities = ["--cap-add", "CAP_SYS_ADMIN"] if zygote else ["--cap-drop", "ALL"]
    # A worker is pid 1 of its PID namespace itself: no init of bwrap's beside it (holding
    # the grader's stderr) that it could trace or signal. A zygote's workers get their
    # own namespaces (grader.sandbox.namespaces).
    own_init = [] if zygote else ["--as-pid-1"]
    options = ["--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
               *own_init, *capabilities,
               "--clearenv", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for folder in SYSTEM_FOLDERS:
        if Path(folder).is_dir():
            options += ["--ro-bind", folder, folder]
    for name in MERGED_USR:
        link = Path("/") / name
        if link.is_symlink():
            options += ["--symlink", os.readlink(link), str(link)]
        elif link.is_dir():
            options += ["--ro-bind", str(link), str(link)]
    for path in SYSTEM_FILES:
        if Path(path).exists():
            options += ["--ro-bind", path, path]
    for folder in runtime_folders() + library_folders():
        options += ["--ro-bind", folder, folder]
    if any(_inside(str(PACKAGE), folder) for folder in library_folders()):
        # An installed (not editable) grader lies in the site-packages bound above: its
        # checks, reference and packaged solution are covered by an empty folder.
        options += ["--tmpfs", str(PACKAGE), "--remount-ro", str(PACKAGE)]
    for module in WORKER_MODULES:
        options += ["--ro-bind", str(PACKAGE / module), f"{WORKER_ROOT}/grader/{module}"]
    for cache in font_cache_files(writable):
        options += ["--ro-bind", str(cache), f"{FONT_CACHE}/{cache.name}"]
    writable = os.path.realpath(writable)
    options += ["--bind", writable, writable, "--chdir", writable]
    for name, value in environment(writable).items():
        options += ["--setenv", name, value]
    # The root is bwrap's own tmpfs, holding the mount points: nothing to write there.
    return options + ["--remount-ro", "/"]


def command(arguments, writable, zygote=False):
    """The command line running `python arguments...` inside the sandbox."""
    return [shutil.which("bwrap") or "bwrap", *bwrap_options(writable, zygote), "--",
            python_executable(), "-s", *arguments]


def worker_command(writable):
    """The sandboxed worker (entry.py as bound inside) serving on stdin/stdout."""
    return command([ENTRY, "worker"], writable)


def work_folder(zygote_socket):
    """The one writable folder of the sandboxed zygote listening on zygote_socket."""
    return Path(zygote_socket).parent / "work"


def start_zygote(folder):
    """A sandboxed zygote (grader.sandbox.zygote) for one job slot; returns (process, socket path).

    Its one writable folder is folder/work, where the slot's submissions are copied one
    at a time; it listens on folder/zygote.sock, a socket made here and inherited, so the
    sandbox holds no path of the grader's.
    """
    folder = Path(folder)
    path = str(folder / "zygote.sock")
    work_folder(path).mkdir(exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    arguments = [ENTRY, "zygote-fd", str(server.fileno())]
    account = privileges.worker_account()
    if account is not None:  # bwrap starts as the account: its folders, its way there
        privileges.copy_font_cache(folder, account)
        privileges.hand_over(work_folder(path), account)
        privileges.let_through(folder.parent)
    process = subprocess.Popen(command(arguments, work_folder(path), zygote=True),
                               pass_fds=[server.fileno()],
                               **processes.user_options(account and account.ids),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True,
                               env={"PATH": os.environ.get("PATH", "")})
    server.close()  # the zygote's copy stays open: connections wait for it to be ready
    return process, path


def installed_reason():
    """Why bubblewrap cannot run here, as far as is known without starting it (not Linux,
    not installed), or None when it is worth trying."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "the bwrap program is not installed"
    return None


@functools.cache
def unavailable_reason():
    """Why bubblewrap cannot run here, or None when it can (probed once per process)."""
    reason = installed_reason()
    if reason is not None:
        return reason
    scratch = tempfile.mkdtemp(prefix="grader-sandbox-probe-")
    probe, account = os.path.join(scratch, "work"), privileges.worker_account()
    os.mkdir(probe)
    try:
        if account is not None:  # as the workers will be started
            privileges.copy_font_cache(scratch, account)
            privileges.hand_over(scratch, account)
        # Python in a worker's sandbox; the namespaces of a zygote's (no Python needed).
        zygote = [shutil.which("bwrap"), *bwrap_options(probe, zygote=True), "--", "true"]
        for probe_command in (command(["-c", "pass"], probe), zygote):
            result = subprocess.run(probe_command, text=True, capture_output=True,
                                    timeout=PROBE_TIMEOUT, stdin=subprocess.DEVNULL,
                                    **processes.user_options(account and account.ids))
            if result.returncode != 0:
                return failure_reason(result.stderr, result.returncode)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap did not start ({error})"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return None


def failure_reason(stderr, returncode):
    """What a bwrap that failed to start said, in one line."""
    return f"bwrap failed: {' '.join(stderr.split())[:300] or f'exit code {returncode}'}"


_warned = []


def resolve(mode, probe=True):
    """The isolation to grade with ("bwrap" or "process") for --sandbox `mode`.

    auto: bwrap where it runs, else process isolation with one loud warning on stderr.
    bwrap: bwrap, or SandboxUnavailable saying why not. none: process isolation.
    probe: start bwrap once to see that it runs (a regrade's zygotes need that); without
    it, bwrap is chosen wherever it is installed, and the grade's own worker is the probe
    (grader.sandbox.handle falls back, with `fall_back`, when it cannot start).
    """
    if mode not in MODES:
        raise ValueError(f"--sandbox {mode!r}: choose one of {', '.join(MODES)}")
    if mode == "none":
        return PROCESS
    reason = unavailable_reason() if probe else installed_reason()
    return BWRAP if reason is None else fall_back(mode, reason)


def fall_back(mode, reason):
    """Process isolation, because bubblewrap cannot run for `reason`: said once, loudly,
    for --sandbox auto; SandboxUnavailable for --sandbox bwrap."""
    if mode == "bwrap":
        raise SandboxUnavailable(f"--sandbox bwrap: {reason}; {INSTALL_HINT}")
    if not _warned:
        _warned.append(reason)
        print(f"WARNING: no sandbox: {reason}. Student code runs with process isolation "
              f"only and can read and write whatever this user can. To sandbox it, "
              f"{INSTALL_HINT}.", file=sys.stderr)
    return PROCESS
