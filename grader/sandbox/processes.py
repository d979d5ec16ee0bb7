"""Keeping student processes in check: resource limits, and no process left behind.

A submission may start processes of its own, even detach them (setsid, double fork) so
that killing the worker's process group misses them. The process that starts workers
becomes a "child subreaper" (Linux): orphaned descendants are re-parented to it instead
of to init, so it can find every one of them among its children and kill them.
"""

import ctypes
import os
import resource
import signal
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
MEGABYTE = 1024 * 1024


def become_subreaper():
    """Adopt this process's orphaned descendants (a no-op where Linux's prctl is missing)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def children(pid=None):
    """Process ids whose parent is `pid` (default: this process)."""
    pid = os.getpid() if pid is None else pid
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def kill(pid):
    """SIGKILL a process and, when it leads one, its process group."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def reap():
    """Collect the exit status of every finished child (no zombies stay behind)."""
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


def limit_resources(memory_mb=None, cpu_seconds=None, file_mb=64):
    """Apply limits to the calling process (run in a worker before student code).

    Args:
        memory_mb: address space in MB (None: unlimited); allocations beyond it fail.
        cpu_seconds: CPU time; the kernel kills the process past it.
        file_mb: largest file the process may write.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * MEGABYTE, file_mb * MEGABYTE))
    if memory_mb:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MEGABYTE, memory_mb * MEGABYTE))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
