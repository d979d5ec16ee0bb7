"""The worker zygote: a process with numpy and matplotlib imported once, that forks a
fresh worker for every grading request (started by grader.sandbox.launch.start_zygote
on a socket path, or by grader.sandbox.bwrap.start_zygote on a listening socket it made).

Forking from it saves each submission the imports; it never imports the solution or
the grader's checks, so a worker has nothing of them to reach.

Inside a sandbox (grader.sandbox.bwrap.start_zygote) one zygote serves one job slot: the
submissions of that slot one after another, each in the slot's only writable folder.
Before the first worker of a new submission it kills every process the previous one
left and empties the sandbox's scratch space (/tmp, /dev), so nothing passes from one
submission to the next. Each worker gets a PID namespace of its own (grader.sandbox.namespaces):
it cannot signal the zygote. Workers' pids are those of the sandbox's PID namespace: the
grader asks the zygote to kill them ({"kill": pid}) instead of signalling them itself.
"""

import ctypes
import os
import socket
from pathlib import Path

from grader.sandbox import namespaces, processes, protocol
from grader.sandbox.processes import become_subreaper, children, kill, limit_resources, reap
from grader.sandbox.worker import preload, serve

SANDBOX_ROOT = "/opt/grader-worker"  # grader.sandbox.bwrap.WORKER_ROOT, where this file is bound
SCRATCH = ("/tmp", "/dev")  # the sandbox's writable places besides the work folder
PR_SET_DUMPABLE = 4


def _listen(where):
    """The listening socket: a path to bind, or the number of an inherited one."""
    if isinstance(where, int):
        return socket.socket(fileno=where)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(where)
    server.listen(16)
    return server


def in_sandbox():
    """Whether this file runs from the sandbox's read-only module set (never on a host)."""
    return str(Path(__file__).resolve()).startswith(SANDBOX_ROOT + "/")


def scratch_paths():
    """Every path under the sandbox's writable scratch folders, deepest first, leaving
    out the work folder (the working directory, where the grader puts each submission
    after emptying it) and the folders holding it."""
    work = os.getcwd()
    found = []
    for folder in SCRATCH:
        for top, folders, files in os.walk(folder):  # symbolic links are not followed
            folders[:] = [name for name in folders if os.path.join(top, name) != work]
            found += [os.path.join(top, name) for name in folders + files
                      if not (work + "/").startswith(os.path.join(top, name) + "/")]
    return sorted(found, key=lambda path: path.count("/"), reverse=True)


def scrub(kept):
    """Remove from the scratch space whatever was not there when the zygote started."""
    if not in_sandbox():
        return
    for path in scratch_paths():
        if path in kept:
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass


def zygote(where):
    """Fork a fresh worker for every connection to `where`, from a preloaded process.

    A connection sends {"cwd", "memory_mb", "cpu_seconds", "new_submission", "user"}
    (user: [uid, gid] the worker becomes before it serves, or None); the forked
    worker answers {"pid"} on it, then serves requests on that same connection. A
    connection sending {"kill": pid} has that worker killed and gets {"killed": pid}.
    The zygote is a child subreaper: processes a worker leaves behind become its children
    and are killed.
    """
    preload()
    become_subreaper()
    try:  # workers (same user) must not be able to trace or read this process
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    # Only a sandbox's scratch space is scrubbed: on a host, /tmp is the machine's, and
    # walking it (however large or deep) must not stop the zygote from starting.
    kept = set(scratch_paths()) if in_sandbox() else set()
    server = _listen(where)
    server.settimeout(0.2)
    workers = set()
    while True:
        reap()
        workers &= children()
        for stray in children() - workers:
            kill(stray)
        try:
            connection, _ = server.accept()
        except TimeoutError:
            continue
        connection.settimeout(None)
        stream = connection.makefile("rwb")
        try:
            settings = protocol.read_message(stream)
        except protocol.ProtocolError:
            settings = {}
        if "kill" in settings:
            if settings["kill"] in workers:
                kill(settings["kill"])
            protocol.write_message(stream, {"killed": settings["kill"]})
        elif "cwd" in settings:
            # A sandboxed zygote serves one job slot: its next submission starts clean.
            # (On the host one zygote serves every slot: the others' workers live on.)
            if settings.get("new_submission") and in_sandbox():
                for pid in children():
                    kill(pid)
                reap()
                workers.clear()
                scrub(kept)
            workers.add(_fork_worker(server, stream, settings))
        stream.close()
        connection.close()


def _fork_worker(server, stream, settings):
    """Start a worker serving on stream; returns the pid that ends it when killed.

    The grader hears {"pid"} first: the worker waits for it before its own {"ready"}.
    """
    said_pid, go = os.pipe()

    def run_worker():
        server.close()
        os.close(go)
        os.read(said_pid, 1)
        os.close(said_pid)
        os.setsid()
        os.chdir(settings["cwd"])
        limit_resources(settings["memory_mb"], settings["cpu_seconds"])
        if settings.get("user"):  # a root zygote: student code never runs as root
            try:
                processes.switch_user(*settings["user"])
            except OSError:
                os._exit(1)  # never serve as root (the grader probed that it can switch)
        serve(stream, stream)

    if in_sandbox():
        pid = namespaces.fork_in_new_namespace(run_worker)
    else:
        pid = os.fork()
        if pid == 0:
            run_worker()
            os._exit(0)
    os.close(said_pid)
    protocol.write_message(stream, {"pid": pid})
    os.write(go, b"x")
    os.close(go)
    return pid
