"""The grader's side of a submission: a handle on the worker process that runs it.

The submission's folder is copied into a fresh temporary directory, which becomes the
worker's working directory; the worker (grader/worker.py) runs with the resource limits
the platform has (grader.processes) in a session of its own, and every request to it
comes back as plain data over pipes. A request that takes too long (a deadline on the
channel's queue: no signals, no select) kills the worker's whole process tree; a worker
that dies (os._exit, a crash, a kill, a memory limit) is restarted on the next request,
so one bad function never stops the other checks. Closing kills whatever the
submission left running.

Workers are started fresh (`python worker.py`, every platform) or, when a zygote is
given (grader/zygote.py, Linux only: processes.ZYGOTE_SUPPORTED), forked from a
process that has numpy and matplotlib imported already, over an AF_UNIX socket.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader import processes, protocol
from grader.locate import SKIPPED_FOLDERS, NotFound, locate

WORKER = Path(__file__).resolve().parent / "worker.py"
NOTEBOOK_MODULE = "notebook_submission.py"  # the module assembled from a notebook
DEFAULT_TIMEOUT = 10.0  # seconds for one request
STARTUP_TIMEOUT = 120.0  # seconds for a fresh worker's own imports, before any request
LARGEST_COPIED_FILE = 5 * 1024 * 1024
WORKER_ENVIRONMENT = {"MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                      "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}


def worker_environment():
    """The environment of a worker: fixed settings, and matplotlib's font cache kept
    where the grader's user has it (rebuilding it costs a second at every start)."""
    cache = os.environ.get("MPLCONFIGDIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib")
    return {**WORKER_ENVIRONMENT, "MPLCONFIGDIR": cache}


@dataclass(frozen=True)
class Limits:
    """What one worker may use: per-request wall time, and for the process as a whole
    CPU seconds and address space (MB; None for no limit)."""

    timeout: float = DEFAULT_TIMEOUT
    cpu_seconds: int = 300
    memory_mb: int | None = 2048


class SubmissionError(Exception):
    """A request could not be answered because of the submission; `str` says why."""


class Timeout(SubmissionError):
    pass


def failed_import(kind, message):
    """The answer the worker would give to a load that could not happen."""
    return {"ok": False, "output": "", "error": {"type": kind, "message": message,
                                                 "not_implemented": False, "traceback": ""}}


def sandbox_copy(source_file):
    """Copy the folder holding source_file into a new temp dir; returns (dir, file copy)."""
    sandbox = Path(tempfile.mkdtemp(prefix="grading-"))

    def ignore(folder, names):  # tooling folders, and large files other than the graded one
        return [name for name in names if name in SKIPPED_FOLDERS or (
            (Path(folder) / name) != source_file and (Path(folder) / name).is_file()
            and (Path(folder) / name).stat().st_size > LARGEST_COPIED_FILE)]

    shutil.copytree(source_file.parent, sandbox / "submission", ignore=ignore,
                    symlinks=True)
    return sandbox, sandbox / "submission" / source_file.name


class Submission:
    """A submission under test. Use as a context manager, or call close()."""

    def __init__(self, path, limits=Limits(), zygote=None):
        """
        Args:
            path: backprop.py, or a directory holding it.
            limits: a Limits.
            zygote: path of a zygote's Unix socket to fork workers from, or None.
        """
        self.limits, self.zygote = limits, zygote
        self.timeout = limits.timeout
        self.pid = None  # the worker's, while one runs
        self.channel = None  # the protocol.Channel to the worker
        self.info = None  # what the worker said when it imported the submission
        self.sandbox = None
        processes.become_subreaper()
        self.children_before = processes.children()
        # What this platform cannot enforce of the limits, for the report.
        self.not_enforced = processes.not_enforced(limits.memory_mb, limits.cpu_seconds)
        self.notebook = None  # grader.notebook.Assembled, for a notebook submission
        self.code = ""  # all the code submitted, for the static rules
        try:
            self.original, self.reason = locate(path)
        except NotFound as error:
            self.path = self.original = None
            self.info = failed_import("missing", str(error))
            return
        self.sandbox, self.path = sandbox_copy(self.original)
        if self.path.suffix == ".ipynb":
            self._assemble_notebook()
        else:
            self.code = self.path.read_text(encoding="utf-8", errors="replace")

    def _assemble_notebook(self):
        """Grade the module made of the notebook's definitions (never its other cells)."""
        from grader.notebook import NotebookError, assemble

        try:
            self.notebook = assemble(self.path)
        except NotebookError as error:
            self.info = failed_import("notebook", str(error))
            return
        self.code = self.notebook.code
        self.path = self.path.with_name(NOTEBOOK_MODULE)
        self.path.write_text(self.notebook.source, encoding="utf-8")

    @property
    def graded(self):
        """Which file is graded and why, for the report."""
        if self.original is None:
            return "nothing (no file to grade)"
        return f"{self.original.name} ({self.reason})"

    # -- process --------------------------------------------------------------------

    def _start(self):
        cwd = str(self.path.parent)
        if self.zygote:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.connect(self.zygote)
            self._keep = connection
            self.channel = protocol.Channel(connection.makefile("rb"), connection.makefile("wb"))
            self.channel.send({"cwd": cwd, "memory_mb": self.limits.memory_mb,
                               "cpu_seconds": self.limits.cpu_seconds})
            self.pid = self.channel.receive(self.timeout)["pid"]
            return
        env = {"PATH": os.environ.get("PATH", ""), **processes.platform_environment(cwd),
               **worker_environment()}
        process = processes.start_worker([sys.executable, "-I", str(WORKER)], cwd, env,
                                         self.limits.memory_mb, self.limits.cpu_seconds)
        self._keep = process
        self.pid = process.pid
        self.channel = protocol.Channel(process.stdout, process.stdin)
        try:
            self.channel.receive(STARTUP_TIMEOUT)  # {"ready": True}, before any student code
        except (TimeoutError, protocol.ProtocolError) as error:
            self._kill()
            raise RuntimeError(f"the worker did not start within {STARTUP_TIMEOUT:g} s "
                               f"({type(error).__name__})") from None

    def _kill(self):
        """Kill the worker and everything it started; forget the channel."""
        if self.pid is None:
            return
        if isinstance(self._keep, subprocess.Popen):
            processes.kill_tree(self._keep)
            try:
                self._keep.stdin.close()
            except OSError:
                pass  # a worker that died mid-request leaves a broken pipe
        else:
            processes.kill_tree(self.pid)
            try:
                self._keep.shutdown(socket.SHUT_RDWR)  # wakes the channel's reader
            except OSError:
                pass
            self._keep.close()
        self.pid = self.channel = self._keep = None
        processes.kill_strays(keep=self.children_before)

    def close(self):
        self._kill()
        processes.kill_strays(keep=self.children_before)
        if self.sandbox is not None:
            shutil.rmtree(self.sandbox, ignore_errors=True)
            self.sandbox = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _exchange(self, request, timeout):
        try:
            self.channel.send(request)
            return self.channel.receive(timeout)
        except TimeoutError:
            self._kill()
            raise Timeout(f"did not finish within {timeout:g} s "
                          "(an endless loop, or far too slow)") from None
        except (protocol.ProtocolError, OSError):
            self._kill()
            raise SubmissionError("ended the grading process (os._exit, a crash, a signal "
                                  "or a CPU-time limit)") from None

    # -- requests -------------------------------------------------------------------

    def load(self):
        """Import the submission (once per worker); returns the worker's import report."""
        if self.info is not None and not self.info["ok"]:
            return self.info  # an import that failed once fails again: do not wait twice
        if self.pid is None:
            try:
                self._start()
                self.info = self._exchange({"op": "load", "path": str(self.path)}, self.timeout)
            except SubmissionError as error:
                self.info = failed_import("import", f"importing it {error}")
            except OSError as error:  # the zygote is gone: a failure of the grader
                raise RuntimeError(f"could not start a worker: {error}") from error
        return self.info

    def request(self, op, timeout=None, **fields):
        """Send one request; returns the answer dict (which may say ok: False)."""
        info = self.load()
        if not info["ok"]:
            return info
        return self._exchange({"op": op, **fields}, timeout or self.timeout)
