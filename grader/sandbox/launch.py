"""How sandbox processes start: a fresh worker, or a zygote that forks workers.

A fresh worker (`python -I entry.py worker`) imports numpy and matplotlib itself; a
zygote (`entry.py zygote PATH`) imports them once and forks a worker per connection, which
is what a regrade of many submissions uses (Linux only: processes.ZYGOTE_SUPPORTED). Both
run with a fixed environment and, for a worker, the resource limits of Limits that the
platform can enforce.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grader.lab import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from grader.sandbox import processes

ENTRY = Path(__file__).resolve().parent / "entry.py"
# numpy's BLAS on one thread, in the worker and in the grader's own process: the lab's
# matrices are small, and on a busy machine BLAS threads waiting for a core cost far more
# than they save (a (64, 400) @ (400, 300) product measured 50 times slower on 2 busy cores).
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
WORKER_ENVIRONMENT = {"MPLBACKEND": "Agg", **ONE_BLAS_THREAD,
                      "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
ZYGOTE_START_SECONDS = 60
# Beside a worker's writable folder: the copy of the font cache a worker run as another
# user reads (grader.sandbox.privileges.copy_font_cache).
FONT_FOLDER = "matplotlib"


@dataclass(frozen=True)
class Limits:
    """What one worker may use: per-request wall time, and for the process as a whole
    CPU seconds and address space (MB; None for no limit)."""

    timeout: float = DEFAULT_TIMEOUT
    cpu_seconds: int = 300
    memory_mb: int | None = DEFAULT_MEMORY_MB


def worker_environment():
    """The environment of a worker: fixed settings, and matplotlib's font cache kept
    where the grader's user has it (rebuilding it costs a second at every start)."""
    cache = os.environ.get("MPLCONFIGDIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib")
    return {**WORKER_ENVIRONMENT, "MPLCONFIGDIR": cache}


def font_cache_files():
    """matplotlib's font list files, built once here when missing (about a second)."""
    folder = Path(worker_environment()["MPLCONFIGDIR"])
    files = sorted(folder.glob("fontlist-v*.json"))
    if not files:
        subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                       env={**os.environ, "MPLCONFIGDIR": str(folder)}, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        files = sorted(folder.glob("fontlist-v*.json"))
    return files


def account_font_folder(writable):
    """Where the font cache is for a worker of another user whose writable folder is
    `writable` (the copy beside it)."""
    return Path(writable).parent / FONT_FOLDER


def start_worker(cwd, limits, command=None, stderr=None, user=None):
    """A fresh worker process in cwd, under limits as far as the platform enforces them
    (grader.sandbox.processes): a Popen whose stdin and stdout are the protocol channel.
    command: the command line that starts it (default: this Python on entry.py; a
    sandbox's, grader.sandbox.bwrap); stderr: a file for its start-up errors; user:
    (uid, gid) to start it as (grader.sandbox.privileges), reading the font cache copied
    beside cwd."""
    env = {"PATH": os.environ.get("PATH", ""), **processes.platform_environment(cwd),
           **worker_environment()}
    if user is not None:
        env["MPLCONFIGDIR"] = str(account_font_folder(cwd))
    return processes.start_worker(command or [sys.executable, "-I", str(ENTRY), "worker"],
                                  str(cwd), env, limits.memory_mb, limits.cpu_seconds, stderr,
                                  user)


def start_zygote(folder):
    """Start a worker zygote listening in folder; returns (process, socket path)."""
    socket_path = str(Path(folder) / "zygote.sock")
    process = subprocess.Popen([sys.executable, "-I", str(ENTRY), "zygote", socket_path],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=folder,
                               env={"PATH": os.environ.get("PATH", ""), **worker_environment()})
    deadline = time.monotonic() + ZYGOTE_START_SECONDS
    while not Path(socket_path).exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the worker zygote did not start")
        time.sleep(0.02)
    return process, socket_path
