"""The grader's side of a submission: a handle on the worker process that runs it.

Every request goes to grader/worker.py over a pipe and comes back as plain data.
A request that takes too long kills the worker's whole process group; a worker that
dies (os._exit, a crash, a kill) is restarted on the next request, so one bad
function never stops the other checks.
"""

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from grader import protocol

WORKER = Path(__file__).resolve().parent / "worker.py"
SUBMISSION_FILE = "backprop.py"
DEFAULT_TIMEOUT = 10.0  # seconds for one request


class SubmissionError(Exception):
    """A request could not be answered because of the submission; `str` says why."""


class NotFound(SubmissionError):
    pass


class Timeout(SubmissionError):
    pass


SKIPPED_FOLDERS = {"__MACOSX", "__pycache__", ".git", ".venv", "node_modules"}


def locate(path):
    """The backprop.py to grade: the file itself, or the one inside a directory.

    In a directory, the shallowest backprop.py wins (a folder unpacked from a zip often
    nests it one level down); two at the same depth are ambiguous and refused.
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(
            (len(candidate.relative_to(path).parts), candidate)
            for candidate in path.rglob(SUBMISSION_FILE)
            if not SKIPPED_FOLDERS & set(candidate.relative_to(path).parts))
        if not found:
            raise NotFound(f"no {SUBMISSION_FILE} in {path}: the submission must be a "
                           f"{SUBMISSION_FILE} or a directory holding one")
        if len(found) > 1 and found[0][0] == found[1][0]:
            raise NotFound(f"several {SUBMISSION_FILE} in {path} "
                           f"({found[0][1]}, {found[1][1]}): keep only the one to grade")
        path = found[0][1]
    if not path.is_file():
        raise NotFound(f"no file {path}: the submission must be a {SUBMISSION_FILE} "
                       "or a directory holding one")
    return path.resolve()


def failed_import(kind, message):
    """The answer the worker would give to a load that could not happen."""
    return {"ok": False, "output": "", "error": {"type": kind, "message": message,
                                                 "not_implemented": False, "traceback": ""}}


class Submission:
    """A submission under test. Use as a context manager, or call close()."""

    def __init__(self, path, timeout=DEFAULT_TIMEOUT):
        self.timeout = timeout
        self.process = None
        self.info = None  # what the worker said when it imported the submission
        try:
            self.path = locate(path)
        except NotFound as error:
            self.path = None
            self.info = failed_import("missing", str(error))

    # -- process --------------------------------------------------------------------

    def _start(self):
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.path.parent, start_new_session=True,
        )

    def _kill(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()
        self.process = None

    def close(self):
        self._kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _read_exactly(self, size, deadline):
        fd, chunks = self.process.stdout.fileno(), []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(fd, size)
            if not chunk:
                raise protocol.ProtocolError("worker closed its output")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _exchange(self, request, timeout):
        deadline = time.monotonic() + timeout
        try:
            self.process.stdin.write(protocol.dumps(request))
            self.process.stdin.flush()
            (size,) = protocol.LENGTH.unpack(self._read_exactly(protocol.LENGTH.size, deadline))
            return protocol.loads(self._read_exactly(size, deadline))
        except TimeoutError:
            self._kill()
            raise Timeout(f"did not finish within {timeout:g} s "
                                  "(an endless loop, or far too slow)") from None
        except (protocol.ProtocolError, BrokenPipeError):
            code = self.process.poll()
            self._kill()
            ended = f"with exit code {code}" if code is not None else "unexpectedly"
            raise SubmissionError(f"ended the grading process {ended} "
                                  "(os._exit, a crash, or a signal)") from None

    # -- requests -------------------------------------------------------------------

    def load(self):
        """Import the submission (once per worker); returns the worker's import report."""
        if self.info is not None and not self.info["ok"]:
            return self.info  # an import that failed once fails again: do not wait twice
        if self.process is None:
            self._start()
            try:
                self.info = self._exchange({"op": "load", "path": str(self.path)}, self.timeout)
            except SubmissionError as error:
                self.info = failed_import("import", f"importing it {error}")
        return self.info

    def request(self, op, timeout=None, **fields):
        """Send one request; returns the answer dict (which may say ok: False)."""
        info = self.load()
        if not info["ok"]:
            return info
        return self._exchange({"op": op, **fields}, timeout or self.timeout)
