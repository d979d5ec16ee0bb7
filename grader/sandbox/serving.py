"""The worker's main thread: the one side of the worker that never runs student code.

It hands each request to a student thread (grader.sandbox.worker.run_job), then sends the
answer that thread encoded with the guard's report (grader.sandbox.guard: imports,
refusals, replaced functions, what was printed, figures left open, training at import),
signed with the key of the load request, so that an answer the worker did not send
(written by student code straight to the channel) is told apart by the grader.

No code of the submission ever runs in this thread, where the key is: the submission
cannot add an audit hook (refused), cannot install a signal handler (only this thread
could), and this thread frees none of its objects (run_job empties the answer box).
Its finalisers could still run here by a garbage collection, so this thread waits,
allocating nothing the collector counts, until every other thread has ended (as the
system counts them: a thread whose Python state is being torn down still counts), then
switches the collector off before it does anything else; a thread still running by
then would be that risk, so the worker sends a report saying so, signed beforehand, and
ends. The process is not dumpable: no process the submission starts can trace it or
read its memory.

This module travels into the sandbox with the worker: it imports nothing of the grader's
but the worker's side.
"""

import _hashlib
import _json
import _thread
import gc
import os
import sys
import time

from grader.sandbox import guard, protocol


def not_dumpable(_set_dumpable=4):
    """Make this process one that no other process of its user may trace or read the
    memory of (prctl PR_SET_DUMPABLE 0): a process the submission starts has no guard
    of its own. Linux only; elsewhere nothing changes."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).prctl(_set_dumpable, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class FdOutput:
    """The file behind the descriptors 1 and 2 (a memory file that cannot shrink, where
    the system has one): take() returns what was written since the last take, capped.
    Writing more than FILE_BYTES to one file ends the worker (RLIMIT_FSIZE)."""

    FILE_BYTES = 64 * 1024 * 1024

    def __init__(self):
        self.fd, self.offset = _memory_file(), 0
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_FSIZE, (self.FILE_BYTES, self.FILE_BYTES))
        except (ImportError, ValueError, OSError):
            pass

    def take(self, _fstat=os.fstat, _min=min, _bytes=bytes):
        try:
            size = _fstat(self.fd).st_size
            data = _read_at(self.fd, _min(size - self.offset, guard.OUTPUT_LIMIT),
                            self.offset) if size > self.offset else b""
        except OSError:
            return ""
        more, self.offset = size - self.offset - len(data), max(size, self.offset)
        text = _bytes.decode(data, "utf-8", "replace")
        return text + (f"\n... ({more} more bytes not shown)" if more > 0 else "")


def _read_at(fd, size, offset):
    """size bytes of fd from offset (pread where the system has it)."""
    if PREAD is not None:
        return PREAD(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def _memory_file():
    """A descriptor of a new anonymous file that can only grow, or of a temporary file."""
    try:
        import fcntl

        fd = os.memfd_create("output", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
        return fd
    except (AttributeError, ImportError, OSError):
        import tempfile

        return os.dup(tempfile.TemporaryFile().fileno())


LEFT_RUNNING = "leaves a thread running after its call"
PREAD = getattr(os, "pread", None)  # None where the system has no pread (Windows)
WORKER_FIELDS = ("module", "submission_file", "kept")
THREAD_SECONDS = 2.0  # how long the threads of a request may take to end after it


def serve_signed(read, write, flush, key, report, snapshot, worker, load, profiler, run,
                 written=None, _start=_thread.start_new_thread, _lock=_thread.allocate_lock,
                 _digest=_hashlib.hmac_digest, _from_bytes=int.from_bytes, _len=len,
                 _sleep=time.sleep, _monotonic=time.monotonic, _encode=None,
                 _limit=protocol.MAX_MESSAGE_BYTES, _type=type, _bytes=bytes,
                 _disable=gc.disable, _exit=os._exit):
    """The main thread's loop: hand each request to a student thread (run: worker.run_job),
    then sign and send its answer with the guard's report (report, snapshot) and what
    reached the descriptors 1 and 2 (written, an FdOutput). Everything it calls was
    bound before the submission's import, so rebinding a module's name never reaches
    it; why no code of the submission runs here: this module's docstring."""
    _encode = _encode or _plain_json
    kind = type(worker)  # before any student code: the class it must stay
    count, box, replaced, request, job_profiler = _thread_counter(), [], [], load, profiler

    def sign(sentry, answer=b""):
        payload = _len(sentry).to_bytes(4, "big") + sentry + answer
        signature = _digest(key, payload, "sha256")
        return (_len(signature) + _len(payload)).to_bytes(4, "big") + signature + payload

    left = sign(_encode({"flags": [LEFT_RUNNING], "imports": [], "training": {},
                         "threads": 0, "shown": 0, "replaced": [], "threads_left": 1}))
    _disable()
    deadline = _monotonic() + THREAD_SECONDS  # a library's thread ending (a font-cache timer)
    while count() > 1 and _monotonic() < deadline:
        _sleep(0.001)
    baseline = count()
    while True:
        done = _lock()
        done.acquire()
        _start(run, (worker, request, box, done, job_profiler))
        done.acquire()
        deadline = _monotonic() + THREAD_SECONDS
        # The job's thread ends just after it releases done: look again at once, then
        # less and less often (no builtin called: the submission may have rebound them).
        pause = 0.0
        while count() > baseline and _monotonic() < deadline:
            _sleep(pause)
            pause = 2 * pause + 0.00005 if pause < 0.0005 else 0.001
        if count() > baseline:
            write(left)
            flush()
            _exit(0)
        _disable()  # a thread that has ended may have switched it on
        state = report()
        if written is not None:
            state["output"] += written.take()
        replaced = snapshot.replaced(earlier=replaced)
        state["replaced"] = replaced
        state["threads_left"] = 0
        if not _untouched(worker, kind):
            state["flags"].append("replaces the worker's own attributes")
        answer = box[0] if _len(box) == 1 and _type(box[0]) is _bytes else b""
        write(sign(_encode(state), answer))
        flush()
        header = read(4)
        if _len(header) < 4:
            return
        size = _from_bytes(header, "big")
        request = read(size) if size <= _limit else b""
        if _len(request) < size or not request:
            return
        job_profiler = None


def _untouched(worker, kind, _type=type, _vars=vars, _str=str, _len=len,
               _fields=WORKER_FIELDS):
    """Whether the Worker is still of its class with only its own attributes (none
    shadowing a method), read without comparing any key of the submission's."""
    if _type(worker) is not kind:
        return False
    attributes = _vars(worker)
    for name in attributes:
        if _type(name) is not _str:
            return False
    if _len(attributes) != _len(_fields):
        return False
    for name in _fields:
        if name not in attributes:
            return False
    return True


def _thread_counter(_open=os.open, _pread=PREAD, _fstat=os.fstat, _count=_thread._count):
    """A function counting this process's threads, allocating nothing the garbage
    collector counts (the main thread's wait: serve_signed).

    Where the system says (/proc/self/stat, read from a descriptor opened here): every
    thread, also one whose Python state is being torn down; a descriptor the submission
    replaced counts as threads left. Elsewhere: the threads Python started, plus this one.
    """
    try:
        if _pread is None:
            raise OSError("no pread here")
        stat = _open("/proc/self/stat", os.O_RDONLY)
    except OSError:
        return lambda: _count() + 1
    device, inode = _fstat(stat).st_dev, _fstat(stat).st_ino

    def count():
        try:
            status = _fstat(stat)
            data = _pread(stat, 4096, 0)
        except OSError:  # closed by the submission
            return 1 << 20
        if status.st_dev != device or status.st_ino != inode:
            return 1 << 20
        position, field = data.rfind(b")"), 0
        while field < 18:  # num_threads: the 18th field after the name
            position = data.find(b" ", position + 1)
            field += 1
        end = data.find(b" ", position + 1)
        return int(data[position + 1:end]) if position > 0 and end > 0 else 1 << 20

    return count


def _plain_json(value, _type=type, _str=str, _int=int, _list=list, _dict=dict,
                _quote=_json.encode_basestring_ascii):
    """JSON bytes of the guard's report (str, int, bool, lists and dicts of them),
    written without the json module, whose functions a submission could rebind."""
    def text(item):
        kind = _type(item)
        if kind is bool:
            return "true" if item else "false"
        if kind is _int:
            return _int.__repr__(item)
        if kind is _str:
            return _quote(item)
        if kind is _list:
            return "[" + ",".join([text(element) for element in item]) + "]"
        if kind is _dict:
            return "{" + ",".join([_quote(_str(k)) + ":" + text(v) for k, v in item.items()]) + "}"
        return "null"

    return text(value).encode("ascii")
