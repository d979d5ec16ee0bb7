"""The grader's side of a submission: a handle on the worker process that runs it.

The submission's folder is copied into a fresh temporary directory, which becomes the
worker's working directory; the worker (grader/worker.py) runs with resource limits in
a session of its own, and every request to it comes back as plain data. A request that
takes too long kills the worker's whole process group; a worker that dies (os._exit, a
crash, a kill, a memory limit) is restarted on the next request, so one bad function
never stops the other checks. Closing kills whatever the submission left running.

Workers are started fresh (`python worker.py`) or, when a zygote is given (see
worker.zygote), forked from a process that has numpy and matplotlib imported already.
With isolation "bwrap" a worker runs inside a bubblewrap sandbox (grader.sandbox): started
fresh around the submission's copy, or forked by the sandboxed zygote of a regrade's job
slot, with the copy in that sandbox's one writable folder.

Every answer also says which modules the submission tried to import (kept in `imports`,
judged by the rules check) and which watched functions it replaced: once it replaced
one, every later request fails with IntegrityError, so no check after the patch scores.
"""

import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import processes, protocol, sandbox
from grader.locate import SKIPPED_FOLDERS, NotFound, locate

WORKER = Path(__file__).resolve().parent / "worker.py"
NOTEBOOK_MODULE = "notebook_submission.py"  # the module assembled from a notebook
DEFAULT_TIMEOUT = 10.0  # seconds for one request
ZYGOTE_START_TIMEOUT = 60.0  # seconds a zygote may take to fork a worker (its preload)
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


class IntegrityError(SubmissionError):
    """The submission replaced functions the worker relies on; nothing it says counts."""

    def __init__(self, replaced):
        shown = ", ".join(replaced[:3]) + (f" and {len(replaced) - 3} more"
                                           if len(replaced) > 3 else "")
        super().__init__(f"was not graded: integrity: replaces {shown} (the submission "
                         "rebinds functions the grader relies on; no check after that "
                         "earns points)")
        self.replaced = replaced


def failed_import(kind, message):
    """The answer the worker would give to a load that could not happen."""
    return {"ok": False, "output": "", "error": {"type": kind, "message": message,
                                                 "not_implemented": False, "traceback": ""}}


def is_grader(folder, name):
    """Whether folder/name is the grader a student's repository ships (with its stored
    reference values): never part of what the worker sees."""
    path = Path(folder) / name
    return name == "reference_values.npz" or (name == "grader" and (path / "checks").is_dir())


def sandbox_copy(source_file, into=None):
    """Copy the folder holding source_file into a new temp dir; returns (dir, file copy).

    into: the folder to make the temp dir in (default: the system's), emptied first: a
    sandboxed zygote's one writable folder, which its previous submission may have filled.
    """
    if into is not None:
        for leftover in Path(into).iterdir():
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
    sandbox = Path(tempfile.mkdtemp(prefix="grading-", dir=into))

    def ignore(folder, names):  # tooling folders, and large files other than the graded one
        return [name for name in names if name in SKIPPED_FOLDERS or is_grader(folder, name) or (
            (Path(folder) / name) != source_file and (Path(folder) / name).is_file()
            and (Path(folder) / name).stat().st_size > LARGEST_COPIED_FILE)]

    shutil.copytree(source_file.parent, sandbox / "submission", ignore=ignore,
                    symlinks=True)
    return sandbox, sandbox / "submission" / source_file.name


class Submission:
    """A submission under test. Use as a context manager, or call close()."""

    def __init__(self, path, limits=Limits(), zygote=None, isolation=sandbox.PROCESS):
        """
        Args:
            path: backprop.py, or a directory holding it.
            limits: a Limits.
            zygote: path of a zygote's Unix socket to fork workers from, or None. With
                isolation "bwrap", a sandboxed zygote (sandbox.start_zygote): the copy
                goes into its work folder, and workers start afresh if it has ended.
            isolation: "bwrap" (grader.sandbox) or "process"; see sandbox.resolve.
        """
        self.limits, self.isolation, self.zygote = limits, isolation, zygote
        # A sandboxed zygote's workers live in its PID namespace: it kills them for us.
        self.remote_pids = bool(zygote) and isolation == sandbox.BWRAP
        self.started = False  # whether a worker was started for this submission yet
        self.imports = []  # {"module", "line", "file"}: what the submission tried to import
        self.replaced = []  # watched functions the submission rebound (grader.guard)
        self.timeout = limits.timeout
        self.pid = None  # the worker's, while one runs
        self.channel = None  # (read fd, write fd) of the protocol
        self.info = None  # what the worker said when it imported the submission
        self.sandbox = None
        processes.become_subreaper()
        self.children_before = processes.children()
        self.notebook = None  # grader.notebook.Assembled, for a notebook submission
        self.code = ""  # all the code submitted, for the static rules
        try:
            self.original, self.reason = locate(path)
        except NotFound as error:
            self.path = self.original = None
            self.info = failed_import("missing", str(error))
            return
        self.sandbox, self.path = sandbox_copy(
            self.original, Path(zygote).parent / "work" if self.remote_pids else None)
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
        new_submission, self.started = not self.started, True
        if self.zygote:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.connect(self.zygote)
            except OSError:
                connection.close()
                if not self.remote_pids:
                    raise
                self.zygote = None  # a submission ended the slot's zygote: start afresh
                self.remote_pids = False
                return self._start()
            self._keep = connection
            self.channel = (connection.fileno(), connection.fileno())
            self._send({"cwd": cwd, "memory_mb": self.limits.memory_mb,
                        "cpu_seconds": self.limits.cpu_seconds,
                        "new_submission": new_submission})
            deadline = time.monotonic() + max(self.timeout, ZYGOTE_START_TIMEOUT)
            self.pid = self._receive(deadline)["pid"]
            return
        limits = self.limits
        command = [sys.executable, "-I", str(WORKER)]
        if self.isolation == sandbox.BWRAP:
            command = sandbox.worker_command(cwd)
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=cwd, start_new_session=True,
            env={"PATH": os.environ.get("PATH", ""), "HOME": cwd, **worker_environment()},
            preexec_fn=lambda: processes.limit_resources(limits.memory_mb, limits.cpu_seconds))
        self._keep = process
        self.pid = process.pid
        self.channel = (process.stdout.fileno(), process.stdin.fileno())

    def _kill(self):
        """Kill the worker and everything it started; forget the channel."""
        if self.pid is None:
            return
        if self.remote_pids:
            self._ask_zygote_to_kill(self.pid)
        else:
            processes.kill(self.pid)
        if isinstance(self._keep, subprocess.Popen):
            self._keep.wait()
            self._keep.stdin.close()
            self._keep.stdout.close()
        else:
            self._keep.close()
        self.pid = self.channel = self._keep = None
        processes.kill_strays(keep=self.children_before)

    def _ask_zygote_to_kill(self, pid):
        """Have the sandboxed zygote kill its worker pid (a pid of its namespace)."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(ZYGOTE_START_TIMEOUT)
                connection.connect(self.zygote)
                stream = connection.makefile("rwb")
                protocol.write_message(stream, {"kill": pid})
                protocol.read_message(stream)
        except (OSError, protocol.ProtocolError):
            pass  # the zygote is gone, and its sandbox with every worker in it

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

    # -- channel --------------------------------------------------------------------

    def _send(self, message):
        data = protocol.dumps(message)
        while data:
            data = data[os.write(self.channel[1], data):]

    def _read_exactly(self, size, deadline):
        fd, chunks = self.channel[0], []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise protocol.ProtocolError("worker closed its output")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline):
        (size,) = protocol.LENGTH.unpack(self._read_exactly(protocol.LENGTH.size, deadline))
        if size > protocol.MAX_MESSAGE_BYTES:
            raise protocol.ProtocolError(f"message of {size} bytes exceeds the limit")
        return protocol.loads(self._read_exactly(size, deadline))

    def _exchange(self, request, timeout):
        try:
            self._send(request)
            return self._observe(self._receive(time.monotonic() + timeout))
        except TimeoutError:
            self._kill()
            raise Timeout(f"did not finish within {timeout:g} s "
                          "(an endless loop, or far too slow)") from None
        except (protocol.ProtocolError, OSError):
            self._kill()
            raise SubmissionError("ended the grading process (os._exit, a crash, a signal "
                                  "or a CPU-time limit)") from None

    def _observe(self, answer):
        """Keep what an answer says of imports and replaced functions; return it."""
        if not isinstance(answer, dict):
            raise protocol.ProtocolError("the worker's answer is not a dict")
        for record in answer.get("imports", []):
            if record not in self.imports:
                self.imports.append(record)
        if answer.get("replaced"):
            self.replaced = list(answer["replaced"])
        return answer

    # -- requests -------------------------------------------------------------------

    def load(self):
        """Import the submission (once per worker); returns the worker's import report."""
        if self.info is not None and not self.info["ok"]:
            return self.info  # an import that failed once fails again: do not wait twice
        if self.pid is None:
            try:
                self._start()
                self.info = self._exchange({"op": "load", "path": str(self.path)}, self.timeout)
                if self.replaced:  # its own report of the import may be forged
                    self.info = failed_import("IntegrityError", str(IntegrityError(
                        self.replaced)).removeprefix("was not graded: "))
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
        if self.replaced:
            raise IntegrityError(self.replaced)
        answer = self._exchange({"op": op, **fields}, timeout or self.timeout)
        if self.replaced:
            raise IntegrityError(self.replaced)
        return answer
