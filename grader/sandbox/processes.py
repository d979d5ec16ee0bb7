"""The platform layer: start a worker process, limit it, kill it with everything it started.

Every operating-system feature the isolation uses is looked up here, once, and used only
where it exists; what a platform cannot enforce is named by `not_enforced`, for the report.

| feature                 | where             | used for                                      |
|-------------------------|-------------------|-----------------------------------------------|
| `resource` (setrlimit)  | Linux, macOS      | CPU time, file size, address space (not macOS) |
| sessions (setsid/killpg)| Linux, macOS      | killing the worker's whole process group       |
| child subreaper, /proc  | Linux             | finding processes the submission detached      |
| `fork` + `AF_UNIX`      | Linux             | the regrade zygote (fork is unsafe on macOS)   |
| `taskkill /T /F`        | Windows           | killing the worker's process tree              |
| setuid, setgroups       | Linux, macOS      | a root grader's workers as an unprivileged user |

A submission may start processes of its own, even detach them (setsid, double fork) so
that killing the worker's process group misses them. On Linux the process that starts
workers becomes a "child subreaper": orphaned descendants are re-parented to it instead
of to init, so it can find every one of them among its children and kill them.

On Windows the tree is ended with `taskkill /T /F` (part of every Windows, no dependency).
A job object would also catch processes that detach and could cap memory, but needs a
page of ctypes that only a Windows machine can test; until then both limits are named
by not_enforced there.

GRADER_SIMULATE_MISSING (comma-separated feature names, see FEATURES) makes this module
behave as if those features were absent, so the fallbacks are tested on Linux too.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

try:
    import resource
except ImportError:  # Windows
    resource = None

PR_SET_CHILD_SUBREAPER = 36
MEGABYTE = 1024 * 1024
SIMULATION_VARIABLE = "GRADER_SIMULATE_MISSING"
WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"


def _simulated_missing():
    names = {name.strip() for name in os.environ.get(SIMULATION_VARIABLE, "").split(",")}
    unknown = names - {"", *FEATURE_NAMES}
    if unknown:
        raise ValueError(f"{SIMULATION_VARIABLE}={os.environ[SIMULATION_VARIABLE]!r}: unknown "
                         f"feature(s) {', '.join(sorted(unknown))}; known: "
                         f"{', '.join(FEATURE_NAMES)}")
    return names


FEATURE_NAMES = ("resource", "sessions", "subreaper", "fork", "af_unix", "setuid")
_MISSING = _simulated_missing()
FEATURES = {
    "resource": resource is not None,
    "sessions": hasattr(os, "setsid") and hasattr(os, "killpg"),
    "subreaper": sys.platform.startswith("linux") and Path("/proc/self/task").is_dir(),
    # Forking a process that has imported numpy and matplotlib is safe on Linux only
    # (macOS system frameworks are not fork-safe; Windows has no fork).
    "fork": hasattr(os, "fork") and sys.platform.startswith("linux"),
    "af_unix": hasattr(socket, "AF_UNIX"),
    "setuid": all(hasattr(os, name) for name in ("setuid", "setgid", "setgroups", "geteuid")),
}
FEATURES = {name: present and name not in _MISSING for name, present in FEATURES.items()}
ZYGOTE_SUPPORTED = FEATURES["fork"] and FEATURES["af_unix"]


def not_enforced(memory_mb=None, cpu_seconds=None):
    """The isolation limits this platform cannot enforce, as sentences for the report.

    Args:
        memory_mb, cpu_seconds: the limits asked for (None: none asked, nothing to say).
    Returns:
        a tuple of str, empty where everything asked for is enforced (Linux).
    """
    missing = []
    if not FEATURES["resource"]:
        asked = [name for name, value in (("memory", memory_mb), ("CPU time", cpu_seconds))
                 if value]
        missing.append(f"no limit on {', '.join(asked + ['file size'])} (this system has "
                       "no `resource` module)")
    elif memory_mb and MACOS:
        missing.append("no memory limit (macOS ignores RLIMIT_AS)")
    if not FEATURES["subreaper"]:
        missing.append("processes the submission detaches from its worker are not tracked "
                       "(no child subreaper on this system)")
    return tuple(missing)


# -- starting and limiting a worker ---------------------------------------------------------

def platform_environment(home):
    """The variables a child Python needs beyond PATH, with `home` as its home folder.

    Windows: its system folders, without which Python cannot even seed its random
    numbers, and the temp folder; elsewhere HOME alone.
    """
    if not WINDOWS:
        return {"HOME": str(home)}
    names = ("SYSTEMROOT", "WINDIR", "TEMP", "TMP")
    return {**{name: os.environ[name] for name in names if name in os.environ},
            "USERPROFILE": str(home)}


def start_worker(argv, cwd, env, memory_mb=None, cpu_seconds=None, stderr=None, user=None):
    """Start argv as a worker with pipes on stdin/stdout, limited where the platform can.

    Args:
        argv: the command (a list); cwd: its working directory; env: its environment.
        memory_mb, cpu_seconds: limits (see limit_resources), applied before it runs.
        stderr: a file for what it writes on stderr before it serves (default: nothing
            kept); the worker points its own stderr elsewhere once it is ready.
        user: (uid, gid) to run it as, without supplementary groups (a root grader's
            workers, grader.sandbox.privileges); None: this process's user.
    Returns:
        the subprocess.Popen; stop it with kill_tree.
    """
    options = user_options(user)
    if FEATURES["sessions"]:
        options["start_new_session"] = True
    if WINDOWS:
        options["creationflags"] = (subprocess.CREATE_NEW_PROCESS_GROUP
                                    | subprocess.CREATE_NO_WINDOW)
    if FEATURES["resource"]:
        options["preexec_fn"] = lambda: limit_resources(memory_mb, cpu_seconds)
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=stderr or subprocess.DEVNULL, cwd=cwd, env=env, **options)


def user_options(user):
    """subprocess.Popen's options that start a child as user (uid, gid) and no other group
    (set in the child before it runs anything); {} for None."""
    if user is None:
        return {}
    uid, gid = user
    return {"user": uid, "group": gid, "extra_groups": []}


def switch_user(uid, gid):
    """Become uid and gid for good, with no supplementary group: a root process's forked
    worker, before any student code (grader.sandbox.zygote). Raises OSError when the
    system refuses (no CAP_SETUID), or when root could be taken back."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getgid() != gid or os.getgroups():
        raise PermissionError(f"still uid {os.getuid()}, gid {os.getgid()} after setuid({uid})")
    if uid != 0:
        try:
            os.setuid(0)
        except OSError:
            return
        raise PermissionError(f"setuid({uid}) could be undone")


def limit_resources(memory_mb=None, cpu_seconds=None, file_mb=64):
    """Apply limits to the calling process (run in a worker before student code).

    A no-op without `resource`; a limit the kernel refuses is left out (not_enforced
    names the ones a platform is known to drop).

    Args:
        memory_mb: address space in MB (None: unlimited); allocations beyond it fail.
        cpu_seconds: CPU time; the kernel kills the process past it.
        file_mb: largest file the process may write.
    """
    if not FEATURES["resource"]:
        return
    limits = [(resource.RLIMIT_CORE, 0, 0), (resource.RLIMIT_FSIZE, file_mb * MEGABYTE,
                                              file_mb * MEGABYTE)]
    if memory_mb and not MACOS:
        limits.append((resource.RLIMIT_AS, memory_mb * MEGABYTE, memory_mb * MEGABYTE))
    if cpu_seconds:
        limits.append((resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 5))
    for kind, soft, hard in limits:
        try:
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):
            continue  # e.g. a hard limit already lower than ours: the lower one holds


# -- ending processes -------------------------------------------------------------------------

def kill_tree(process):
    """Kill a worker and what it started: a Popen, or the pid of a process we did not
    start (a zygote's worker). POSIX: SIGKILL its process group; Windows: taskkill /T."""
    pid = process if isinstance(process, int) else process.pid
    if WINDOWS:
        # taskkill ends the tree of children still attached to the worker; a
        # process whose parent died before (detached) is out of its reach.
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, check=False)
    else:
        kill(pid)
    if not isinstance(process, int):
        try:
            process.kill()
        except OSError:
            pass
        process.wait()


def kill(pid):
    """SIGKILL a process and, when it leads one, its process group (POSIX)."""
    if FEATURES["sessions"]:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    except (ProcessLookupError, PermissionError, OSError):
        pass


def become_subreaper():
    """Adopt this process's orphaned descendants (a no-op where Linux's prctl is missing)."""
    if not FEATURES["subreaper"]:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError, TypeError):
        pass


def children(pid=None):
    """Process ids whose parent is `pid` (default: this process); empty without /proc."""
    if not FEATURES["subreaper"]:
        return set()
    pid = os.getpid() if pid is None else pid
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def reap():
    """Collect the exit status of every finished child (no zombies stay behind)."""
    if not hasattr(os, "WNOHANG"):
        return  # Windows keeps no zombies
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_strays(keep=()):
    """Kill every child of this process except `keep`, until none is left.

    Killing a stray re-parents its own children to us (we are the subreaper), so repeat.
    """
    for _ in range(50):
        strays = children() - set(keep)
        if not strays:
            return
        for pid in strays:
            kill(pid)
        reap()
