"""Linux calls a sandboxed zygote uses to give each worker a PID namespace of its own.

Inside the zygote's bubblewrap sandbox (a user namespace of its own, so these
capabilities reach nothing outside it), a worker is forked as:
    zygote -> keeper (the zygote's namespace) -> init (pid 1 of a new one) -> worker
The worker cannot name the zygote or the keeper, so it cannot signal them; it sees only
its own namespace in /proc; and when the keeper is killed, init and with it every
process of the namespace goes too. The worker drops every capability before any student
code runs.
"""

import ctypes
import os
import signal

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
PR_SET_PDEATHSIG = 1
CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)


class NamespaceError(OSError):
    """A namespace call failed (the sandbox lacks the capability, or the kernel refuses)."""


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise NamespaceError(error, f"{what}: {os.strerror(error)}")


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilityData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    """Give up every capability of this process (permitted, effective, inheritable)."""
    header, data = _CapabilityHeader(CAPABILITY_VERSION_3, 0), (_CapabilityData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def die_with_parent():
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def fork_in_new_namespace(run_worker):
    """Fork a keeper whose namespace's init runs run_worker() in a child; returns the
    keeper's pid (killing it ends the whole namespace). Only the worker returns from
    run_worker; every other process here ends with os._exit."""
    keeper = os.fork()
    if keeper:
        return keeper
    try:
        try:
            _check(_libc.unshare(CLONE_NEWPID | CLONE_NEWNS), "unshare")
        except NamespaceError:  # still in the sandbox, only without a namespace of its own
            drop_capabilities()
            run_worker()
            os._exit(0)
        init = os.fork()
        if init == 0:
            die_with_parent()
            _be_init(run_worker)
        die_with_parent()
        os.waitpid(init, 0)
    finally:
        os._exit(0)


def _be_init(run_worker):
    """Pid 1: mount this namespace's /proc, start the worker, reap until it ends."""
    try:
        _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate")
        _check(_libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None),
               "mount proc")
        worker = os.fork()
        if worker == 0:
            drop_capabilities()
            run_worker()
            os._exit(0)
        while True:
            pid, _ = os.wait()
            if pid == worker:
                break
    finally:
        os._exit(0)
