"""The grader's handle on the worker process that runs one submission.

The worker (grader.sandbox.worker) runs with the resource limits the platform has
(grader.sandbox.processes) in a session of its own, and every request to it comes back
as plain data over a protocol.Channel. A request that takes too long (a deadline on the
channel's queue: no signals, no select, so it works on Windows too) kills the worker's
whole process tree; a worker that dies (os._exit, a crash, a kill, a memory limit) is
restarted on the next request, so one bad function never stops the other checks; one
that ends before it says ready ran nothing of the submission: WorkerNotReady, the
grader's failure. Closing kills whatever the submission left running.

Workers are started fresh or, when a zygote's socket is given, forked from a zygote
that has numpy and matplotlib imported already, over an AF_UNIX socket (Linux only:
processes.ZYGOTE_SUPPORTED; grader.sandbox.launch). With isolation "bwrap" a worker runs
inside a bubblewrap sandbox (grader.sandbox.bwrap): started fresh around the submission's
copy, or forked by the sandboxed zygote of a regrade's job slot, with the copy in that
sandbox's one writable folder. With `fallback`, bwrap was not probed beforehand: the
first worker is the probe, and one that cannot even start in bwrap (the kernel refuses
its namespaces, say) is started again with process isolation, the reason kept in
`fallback_reason`.

Every answer comes signed with the key of this worker's load request, with the guard's
report (grader.sandbox.guard): which modules the submission tried to import (kept in
`imports`, judged by the rules check), what it was refused (frames of other threads,
ctypes, a tracer, rebinding the grader's functions...), which watched functions it
replaced and whether it left a thread running. Once any of that but imports is seen,
or a message comes that the worker did not sign (student code writing to the channel
itself), every later request fails with IntegrityError, so no check after it scores.
"""

import secrets
import socket
import subprocess
import tempfile

from grader.sandbox import bwrap, processes, protocol
from grader.sandbox.launch import Limits, start_worker

# Seconds a worker may take to be ready (its own imports, on a loaded machine): the
# grader's time, not the submission's.
START_SECONDS = 120
ZYGOTE_START_SECONDS = 60.0  # seconds a zygote may take to fork a worker (its preload)


class SubmissionError(Exception):
    """A request could not be answered because of the submission; `str` says why."""


class WorkerNotReady(RuntimeError):
    """No worker could get ready for the submission: the grader's failure (its Python, its
    libraries, the sandbox), never the submission's, which had not run yet."""


class Timeout(SubmissionError):
    pass


class IntegrityError(SubmissionError):
    """The submission tampered with the worker; nothing it says counts."""

    def __init__(self, replaced, flags=()):
        reasons = list(flags)
        if replaced:
            reasons.insert(0, "replaces " + ", ".join(replaced[:3]) + (
                f" and {len(replaced) - 3} more" if len(replaced) > 3 else ""))
        super().__init__(f"was not graded: integrity: {'; '.join(reasons)} (the submission "
                         "tampers with the grader's worker or the functions it relies on; "
                         "no check after that earns points)")
        self.replaced, self.flags = replaced, list(flags)


def failed_import(kind, message, cause=None):
    """The answer the worker would give to a load that could not happen.

    cause: "timeout", "crashed" or "integrity" when the worker ran out of time, ended or
    replaced watched functions while importing.
    """
    return {"ok": False, "output": "", "error": {"type": kind, "message": message,
                                                 "not_implemented": False, "traceback": "",
                                                 "cause": cause}}


class WorkerHandle:
    """A worker serving the module at `module_path`. Use as a context manager, or close()."""

    def __init__(self, module_path, limits=None, zygote=None, isolation=bwrap.PROCESS,
                 fallback=False, account=None):
        """
        Args:
            module_path: the Python file to import, in the folder the worker runs in.
            limits: a Limits (default: Limits()).
            zygote: path of a zygote's Unix socket to fork workers from, or None. With
                isolation "bwrap", a sandboxed zygote (bwrap.start_zygote): module_path
                must be in its work folder (work_folder), and workers start afresh if it
                has ended.
            isolation: "bwrap" or "process" (grader.sandbox.bwrap.resolve decides).
            fallback: with isolation "bwrap", start with process isolation instead when
                no sandboxed worker can start (see fallback_reason).
            account: the grader.sandbox.privileges.Account workers run as (a root
                grader's), which owns the submission's working copy; None: this user.
        """
        self.module_path = module_path
        self.user = account.ids if account is not None else None  # (uid, gid) of workers
        self.limits, self.zygote, self.isolation = limits or Limits(), zygote, isolation
        # A sandboxed zygote's workers live in its PID namespace: it kills them for us.
        self.remote_pids = bool(zygote) and isolation == bwrap.BWRAP
        self.started = False  # whether a worker was started for this submission yet
        self.imports = []  # {"module", "line", "file"}: what the submission tried to import
        self.replaced = []  # watched functions the submission rebound (grader.sandbox.guard)
        self.flags = []  # what the guard refused it, or saw it do to the worker
        self.key = None  # the current worker's signing key (sent with its load request)
        self.timeout = self.limits.timeout
        self.pid = None  # the worker's, while one runs
        self.channel = None  # the protocol.Channel to the worker, while one runs
        self.info = None  # what the worker said when it imported the submission
        self.loading = False  # the import request is sent, its answer not read yet
        self.fallback = fallback
        self.fallback_reason = None  # why bwrap could not start, when it fell back
        self.ever_ready = False  # a worker has started for this submission
        self.not_ready = None  # the WorkerNotReady once a worker could not get ready
        self._starting = None  # (process, its stderr file) of a bwrap worker that may fail
        processes.become_subreaper()
        self.children_before = processes.children()
        # What this platform cannot enforce of the limits, for the report.
        self.not_enforced = processes.not_enforced(self.limits.memory_mb,
                                                   self.limits.cpu_seconds)

    def _start(self):
        cwd = self.module_path.parent
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
            self.channel = protocol.Channel(connection.makefile("rb"), connection.makefile("wb"))
            # A sandboxed zygote runs as the account already; a root zygote's worker
            # switches to it before the submission's import.
            try:
                self.channel.send({"cwd": str(cwd), "memory_mb": self.limits.memory_mb,
                                   "cpu_seconds": self.limits.cpu_seconds,
                                   "new_submission": new_submission,
                                   "user": None if self.remote_pids else self.user})
                self.pid = self.channel.receive(max(self.timeout, ZYGOTE_START_SECONDS))["pid"]
            except (OSError, protocol.ProtocolError, KeyError, TypeError):
                # The zygote hung up before its worker had a pid: nothing of the
                # submission ran. A sandboxed slot's zygote is started afresh (the last
                # submission may have ended it); the shared one failing is the grader's.
                connection.close()
                self.channel = self._keep = None
                if not self.remote_pids:
                    raise OSError("the worker zygote hung up or did not answer before it forked a "
                                  "worker") from None
                self.zygote, self.remote_pids = None, False
                return self._start()
            return
        command = bwrap.worker_command(cwd) if self.isolation == bwrap.BWRAP else None
        errors = tempfile.TemporaryFile() if command and self.fallback and not self.ever_ready \
            else None
        process = start_worker(cwd, self.limits, command, errors, self.user)
        if errors:
            self._starting = (process, errors)
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
            if self.remote_pids:  # a pid of the sandbox's namespace, not of this host's
                self._ask_zygote_to_kill(self.pid)
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

    def _ask_zygote_to_kill(self, pid):
        """Have the sandboxed zygote kill its worker pid (a pid of its namespace)."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(ZYGOTE_START_SECONDS)
                connection.connect(self.zygote)
                stream = connection.makefile("rwb")
                protocol.write_message(stream, {"kill": pid})
                protocol.read_message(stream)
        except (OSError, protocol.ProtocolError):
            pass  # the zygote is gone, and its sandbox with every worker in it

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
            return self._observe(self.channel.receive(timeout))
        except protocol.Forged:
            self._flag("answers requests it was not asked (a message the worker did not sign)")
            self._kill()
            raise IntegrityError(self.replaced, self.flags) from None
        except TimeoutError:
            self._kill()
            raise Timeout(f"did not finish within {timeout:g} s "
                          "(an endless loop, or far too slow)") from None
        except (protocol.ProtocolError, OSError):
            raise self._ended() from None

    def _flag(self, reason):
        if reason not in self.flags:
            self.flags.append(reason)

    @property
    def tampered(self):
        return bool(self.replaced or self.flags)

    def _observe(self, answer):
        """Keep what the guard's report says (imports, refusals, replaced functions,
        threads left running, training at import); return the answer."""
        sentry = answer.get("sentry")
        if not isinstance(sentry, dict):
            raise protocol.ProtocolError("the worker's answer has no report of the guard")
        for record in sentry.get("imports", []):
            if record not in self.imports:
                self.imports.append(record)
        for flag in sentry.get("flags", []):
            self._flag(str(flag))
        if sentry.get("threads_left"):
            self._flag("leaves a thread running after its call")
        if sentry.get("replaced"):
            self.replaced = list(sentry["replaced"])
        # What it printed, as the guard kept it (no answer of the submission's says it).
        answer["output"] = str(sentry.get("output", ""))
        if answer.get("ok") and "functions" in answer:  # the load request's answer
            answer["training_calls"] = dict(sentry.get("training", {}))
            answer["threads_at_import"] = int(sentry.get("threads", 0))
            answer["figures"] = {"open": int(sentry.get("figures_open", 0)),
                                 "shown": int(sentry.get("shown", 0))}
        return answer

    # -- requests -------------------------------------------------------------------

    def start(self, before_import=None):
        """Start a worker and send it the import request, without waiting for the answer
        (load() reads it), so the worker's start overlaps whatever the grader does next.
        before_import: called once the process runs, before the import request is sent:
        grader work that overlaps the worker's own start-up with nothing of the
        submission run yet."""
        try:
            self._start()
        except OSError as error:  # no process could start: a failure of the grader
            self.not_ready = WorkerNotReady(f"no worker process could start ({error}): check "
                                            "the system's limits on processes and memory")
            raise self.not_ready from error
        if before_import is not None:
            before_import()
        try:
            self.key = secrets.token_bytes(32)
            self._send_request({"op": "load", "path": str(self.module_path),
                                "key": self.key.hex()})
            self.loading = True
        except SubmissionError as error:  # it ended before reading the import request
            if not self._fall_back():
                raise self._not_ready() from error

    def _ready(self):
        """Wait for the worker's ready message (sent before it reads the import request,
        so nothing of the submission has run yet); fall back where bwrap cannot start."""
        try:
            ready = self.channel.receive(START_SECONDS)
        except (TimeoutError, protocol.ProtocolError, OSError):
            ready = None
        if ready == {"ready": True}:
            self.channel.expect_signed(self.key)
            self.ever_ready = True
            if self._starting:
                self._starting[1].close()
                self._starting = None
            return
        if not self._fall_back():
            raise self._not_ready()
        self.loading = False
        self._ready()

    def _not_ready(self):
        """A worker ended (or hung) before it was ready, so before it read the import
        request: the grader's failure, for the first worker or one started again after a
        call of the submission ended the last. Later requests fail at once with it."""
        self._kill()
        memory = f", within the memory limit of {self.limits.memory_mb} MB (--memory)" \
            if self.limits.memory_mb else ""
        self.not_ready = WorkerNotReady(
            "a new worker process, started after the submission's last one ended, ended "
            "before it was ready, before any of the submission ran in it: the machine may be "
            "out of memory or processes, or the worker zygote may have stopped; grade again "
            "once it has resources" if self.ever_ready else
            "the worker process that runs student code ended before it was ready, before any "
            "of the submission ran: check that this Python, numpy and matplotlib work for the "
            f"user student code runs as{memory}")
        return self.not_ready

    def _fall_back(self):
        """After a bwrap worker ended before it was ready: when falling back is allowed,
        start a worker with process isolation instead, keep bwrap's reason, return True."""
        starting, self._starting = self._starting, None
        if starting is None:
            return False
        process, errors = starting
        self._kill()
        errors.seek(0)
        self.fallback_reason = bwrap.failure_reason(
            errors.read(4000).decode("utf-8", "replace"), process.wait())
        errors.close()
        self.isolation = bwrap.PROCESS
        self.start()
        return True

    def _import_failed(self, error):
        cause = "timeout" if isinstance(error, Timeout) else "crashed"
        self.info = failed_import("import", f"importing it {error}", cause)

    def load(self):
        """Import the submission (once per worker); returns the worker's import report.
        WorkerNotReady when no worker could get ready (the grader's failure)."""
        if self.not_ready is not None:
            raise self.not_ready
        if self.info is not None and not self.info["ok"]:
            return self.info  # an import that failed once fails again: do not wait twice
        if self.pid is None:
            self.start()
        if self.loading:
            self.loading = False
            try:
                self._ready()
                self.info = self._answer(self.timeout)
                if self.tampered:  # its own report of the import may be forged
                    self.info = failed_import("IntegrityError", str(IntegrityError(
                        self.replaced, self.flags)).removeprefix("was not graded: "),
                        "integrity")
            except IntegrityError as error:
                self.info = failed_import("IntegrityError", str(error).removeprefix(
                    "was not graded: "), "integrity")
            except SubmissionError as error:
                self._import_failed(error)
        return self.info

    def reload(self):
        """Import the module again, in a new worker with the same limits, after its file
        was rewritten (grader.intake.prepare.Prepared.definitions_only); a worker started
        later imports the new file too. Returns the new import report."""
        self._kill()
        self.info = None
        return self.load()

    def request(self, op, timeout=None, **fields):
        """Send one request; returns the answer dict (which may say ok: False)."""
        info = self.load()
        if not info["ok"]:
            return info
        if self.tampered:
            raise IntegrityError(self.replaced, self.flags)
        self._send_request({"op": op, **fields})
        answer = self._answer(timeout or self.timeout)
        if self.tampered:
            raise IntegrityError(self.replaced, self.flags)
        return answer
