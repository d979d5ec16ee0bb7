"""The grader's handle on the worker process that runs one submission.

The worker (grader.sandbox.worker) runs with the resource limits the platform has
(grader.sandbox.processes) in a session of its own, and every request to it comes back
as plain data over a protocol.Channel. A request that takes too long (a deadline on the
channel's queue: no signals, no select, so it works on Windows too) kills the worker's
whole process tree; a worker that dies (os._exit, a crash, a kill, a memory limit) is
restarted on the next request, so one bad function never stops the other checks.
Closing kills whatever the submission left running.

Workers are started fresh or, when a zygote's socket is given, forked from a zygote
that has numpy and matplotlib imported already, over an AF_UNIX socket (Linux only:
processes.ZYGOTE_SUPPORTED; grader.sandbox.launch).
"""

import socket
import subprocess

from grader.sandbox import processes, protocol
from grader.sandbox.launch import Limits, start_worker

# Seconds a worker may take to be ready (its own imports, on a loaded machine): the
# grader's time, not the submission's.
START_SECONDS = 120


class SubmissionError(Exception):
    """A request could not be answered because of the submission; `str` says why."""


class Timeout(SubmissionError):
    pass


def failed_import(kind, message, cause=None):
    """The answer the worker would give to a load that could not happen.

    cause: "timeout" or "crashed" when the worker ran out of time or ended while importing.
    """
    return {"ok": False, "output": "", "error": {"type": kind, "message": message,
                                                 "not_implemented": False, "traceback": "",
                                                 "cause": cause}}


class WorkerHandle:
    """A worker serving the module at `module_path`. Use as a context manager, or close()."""

    def __init__(self, module_path, limits=None, zygote=None, sandbox="auto"):
        """
        Args:
            module_path: the Python file to import, in the folder the worker runs in.
            limits: a Limits (default: Limits()).
            zygote: path of a zygote's Unix socket to fork workers from, or None.
            sandbox: the isolation backend asked for ("auto", ...).
        """
        self.module_path = module_path
        self.limits, self.zygote, self.sandbox = limits or Limits(), zygote, sandbox
        self.timeout = self.limits.timeout
        self.pid = None  # the worker's, while one runs
        self.channel = None  # the protocol.Channel to the worker, while one runs
        self.info = None  # what the worker said when it imported the submission
        self.loading = False  # the import request is sent, its answer not read yet
        processes.become_subreaper()
        self.children_before = processes.children()
        # What this platform cannot enforce of the limits, for the report.
        self.not_enforced = processes.not_enforced(self.limits.memory_mb,
                                                   self.limits.cpu_seconds)

    def _start(self):
        cwd = self.module_path.parent
        if self.zygote:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.connect(self.zygote)
            self._keep = connection
            self.channel = protocol.Channel(connection.makefile("rb"), connection.makefile("wb"))
            self.channel.send({"cwd": str(cwd), "memory_mb": self.limits.memory_mb,
                               "cpu_seconds": self.limits.cpu_seconds})
            self.pid = self.channel.receive(self.timeout)["pid"]
            return
        process = start_worker(cwd, self.limits)
        self._keep = process
        self.pid = process.pid
        self.channel = protocol.Channel(process.stdout, process.stdin)

    def _kill(self):
        """Kill the worker and everything it started; forget the channel.

        The channel's reader thread closes the worker's output itself (see
        protocol.Channel); only the writing side is closed here.
        """
        if self.pid is None:
            return
        if isinstance(self._keep, subprocess.Popen):
            processes.kill_tree(self._keep)
        else:
            processes.kill_tree(self.pid)
            try:
                self._keep.shutdown(socket.SHUT_RDWR)  # wakes the channel's reader
            except OSError:
                pass
            self._keep.close()
        try:
            self.channel.writer.close()
        except OSError:
            pass  # a worker that died mid-request leaves a broken pipe
        self.pid = self.channel = self._keep = None
        self.loading = False
        processes.kill_strays(keep=self.children_before)

    def close(self):
        self._kill()
        processes.kill_strays(keep=self.children_before)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _ended(self):
        self._kill()
        return SubmissionError("ended the grading process (os._exit, a crash, a signal or a "
                               "CPU-time limit)")

    def _send_request(self, request):
        try:
            self.channel.send(request)
        except OSError:
            raise self._ended() from None

    def _answer(self, timeout):
        """The worker's answer to the request sent last, waiting at most timeout seconds."""
        try:
            return self.channel.receive(timeout)
        except TimeoutError:
            self._kill()
            raise Timeout(f"did not finish within {timeout:g} s "
                          "(an endless loop, or far too slow)") from None
        except (protocol.ProtocolError, OSError):
            raise self._ended() from None

    # -- requests -------------------------------------------------------------------

    def start(self):
        """Start a worker and send it the import request, without waiting for the answer
        (load() reads it), so the worker's start overlaps whatever the grader does next."""
        try:
            self._start()
        except OSError as error:  # no process could start: a failure of the grader
            raise RuntimeError(f"could not start a worker: {error}") from error
        try:
            self._send_request({"op": "load", "path": str(self.module_path)})
            self.loading = True
        except SubmissionError as error:
            self._import_failed(error)

    def _ready(self):
        """Wait for the worker's ready message (sent before it reads the import request)."""
        try:
            ready = self.channel.receive(START_SECONDS)
        except (TimeoutError, protocol.ProtocolError, OSError):
            raise self._ended() from None
        if ready != {"ready": True}:
            raise self._ended()

    def _import_failed(self, error):
        cause = "timeout" if isinstance(error, Timeout) else "crashed"
        self.info = failed_import("import", f"importing it {error}", cause)

    def load(self):
        """Import the submission (once per worker); returns the worker's import report."""
        if self.info is not None and not self.info["ok"]:
            return self.info  # an import that failed once fails again: do not wait twice
        if self.pid is None:
            self.start()
        if self.loading:
            self.loading = False
            try:
                self._ready()
                self.info = self._answer(self.timeout)
            except SubmissionError as error:
                self._import_failed(error)
        return self.info

    def request(self, op, timeout=None, **fields):
        """Send one request; returns the answer dict (which may say ok: False)."""
        info = self.load()
        if not info["ok"]:
            return info
        self._send_request({"op": op, **fields})
        return self._answer(timeout or self.timeout)
