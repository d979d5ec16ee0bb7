"""The worker: a separate process that imports a submission and runs its functions.

The grader never imports student code itself. It starts this file as a process and
sends it requests (see grader.sandbox.protocol); the worker answers with plain numbers and
float64 arrays only. Whatever the submission prints is captured by the
guard, capped, and never reaches the protocol channel.

Requests (dicts with an "op"):
    load      {"path", "key"}                   import the submission (the first request)
    call      {"function", "args", "keep_cache"} run one function
    call_many {"function", "arg_lists", "first_of_pair"} run it on many inputs
    train     {"x", "y", "params", "lr", "max_epochs"} the grader's training loop
    figure    {"function", "args"}              run a plotting function, serialise the figure
Answers are {"ok": True, ...} or {"ok": False, "error": {...}}. None of it is a verdict:
the grader judges (training: the params come back, the grader computes the accuracy).

Two sides in one process. Student code runs only in a thread of its own, one per
request (run_job: decode the request, run it, encode the answer). The main thread never
runs student code and no frame of the student's threads leads to it: it reads requests,
hands them over, and sends each answer with what the guard saw (grader.sandbox.guard:
imports, refusals, replaced functions, training at import, threads left running), signed
with the key of the load request, so that an answer the worker did not send (written by
student code straight to the channel) is told apart by the grader. It does its part only
once every other thread has ended and with the garbage collector off, so that no
finaliser of the submission's runs where the key is (grader.sandbox.serving says how).

What the answer itself holds is the submission's own material (its return values, its
figure's artists, its prints, its trajectory): code of the submission's that reaches
the student thread's frames can change it, as it could change what it returns, so
the grader judges all of it in its own process; only the guard's report is the
worker's word.
"""

import gc
import io
import os
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

from grader.lab import DEFAULT_LOSS, TRAINING_FUNCTIONS
from grader.sandbox import figures, guard, protocol, serving, training
from grader.sandbox.loading import import_file
from grader.sandbox.paramswatch import Elsewhere, ParamsWatch

MODULE_NAME = "submission"


class CappedOutput(io.TextIOBase):
    """sys.stdout and sys.stderr of the worker: every text written is told to the guard
    (an audit event), which keeps the first guard.OUTPUT_LIMIT characters of each request
    where no code of the submission can erase them (grader.sandbox.guard)."""

    def writable(self):
        return True

    def write(self, text, _audit=sys.audit, _str=str, _type=type, _len=len):
        text = _str(text)
        if _type(text) is not _str:
            text = _str.__str__(text)
        _audit("grader.output", text)
        return _len(text)


def describe(value):
    """A plain, serialisable description of whatever a submission returned."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, dict):
        return {"kind": "dict", "items": {str(k): describe(v) for k, v in value.items()}}
    type_name = type(value).__name__
    if isinstance(value, np.ndarray):
        type_name = f"numpy array of {value.dtype}"
    if not isinstance(value, (str, bytes)):
        try:
            # np.array with a dtype makes a plain float64 ndarray copy, whatever came in.
            array = np.array(value, dtype=np.float64)
            return {"kind": "array", "type": type_name, "array": array}
        except (TypeError, ValueError, OverflowError):
            pass
    if isinstance(value, (tuple, list)):
        return {"kind": "tuple", "type": type_name, "items": [describe(item) for item in value]}
    return {"kind": "other", "type": type_name, "repr": " ".join(repr(value).split())[:120]}


def describe_error(error, submission_file):
    """Type, message and the submission's own traceback frames of an exception."""
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == submission_file
    ]
    return {
        "type": type(error).__name__,
        "message": str(error)[:1000],
        "not_implemented": isinstance(error, NotImplementedError),
        "traceback": "".join(traceback.format_list(frames)),
    }


class Worker:
    """Holds the imported submission and the objects it returned (caches)."""

    def __init__(self):
        self.module = None
        self.submission_file = None
        self.kept = {}  # handle -> object that stays in this process (forward caches)

    # -- requests -------------------------------------------------------------------

    def load(self, path):
        """Import the submission (the guard counts what its import trains: main thread)."""
        path = Path(path).resolve()
        self.submission_file = str(path)
        sys.path.insert(0, str(path.parent))
        started = time.perf_counter()
        self.module = import_file(path, MODULE_NAME)
        loss_name = getattr(self.module, "LOSS", DEFAULT_LOSS)
        return {
            "functions": sorted(
                name for name, value in vars(self.module).items() if callable(value)
            ),
            "loss": loss_name if isinstance(loss_name, str) else repr(loss_name)[:80],
            "seconds": time.perf_counter() - started,
            # figures left open and plt.show() calls: the guard's report says (main thread)
        }

    def call(self, function, args, keep_cache=False, watch_params=False):
        """function(*args); watch_params (backward's rule): args[-1] are the params, and
        the module's forward is watched while it runs (grader.sandbox.paramswatch)."""
        args = [self.kept[arg["__handle__"]] if isinstance(arg, dict) and "__handle__" in arg
                else arg for arg in args]
        originals = [_copy_arrays(arg) for arg in args]
        if watch_params:
            with ParamsWatch(self.module, args[-1]) as watch:
                try:
                    result = getattr(self.module, function)(*args)
                except Elsewhere:
                    result = None
            if watch.elsewhere:  # also when the submission caught the stop
                return {"elsewhere": watch.elsewhere, "value": {"kind": "none"},
                        "modified": []}
        else:
            result = getattr(self.module, function)(*args)
        answer = {"modified": [_modified(i, before, after)
                               for i, (before, after) in enumerate(zip(originals, args))]}
        answer["modified"] = [name for name in answer["modified"] if name]
        if keep_cache:
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                answer["value"] = describe(result)
                answer["not_a_pair"] = True
                return answer
            result, cache = result
            handle = len(self.kept)
            self.kept[handle] = cache
            answer["handle"] = handle
        answer["value"] = describe(result)
        return answer

    def call_many(self, function, arg_lists, first_of_pair=False):
        """function(*args) for every args of arg_lists, in one request (the points of a
        finite-difference gradient); first_of_pair: describe only result[0] of a pair."""
        values = []
        for args in arg_lists:
            result = getattr(self.module, function)(*args)
            if first_of_pair and isinstance(result, (tuple, list)) and len(result) == 2:
                result = result[0]
            values.append(describe(result))
        return {"values": values}

    def train(self, x, y, params, lr, max_epochs):
        """The grader's loop (grader.training) on the submission's functions; returns the
        epochs run, the params reached and the trajectory (params and grads of every
        step), which the grader checks and judges with its own network."""
        functions = tuple(getattr(self.module, name) for name in TRAINING_FUNCTIONS)
        record = {}
        epochs, params = training.train(functions, x, y, params, lr, max_epochs, record)
        trajectory = {part: {key: _stacked(arrays) for key, arrays in kept.items()}
                      for part, kept in record.items()}
        return {"epochs": epochs, "params": describe(params), "trajectory": trajectory}

    def figure(self, function, args):
        import matplotlib.pyplot as plt

        from grader.sandbox.figures import serialize_figure

        plt.close("all")
        result = getattr(self.module, function)(*args)
        if result is None and plt.get_fignums():
            result = plt.gcf()
        returned = "None" if result is None else f"a {type(result).__name__}"
        return {"figure": serialize_figure(result), "returned": returned}

    # -- dispatch -------------------------------------------------------------------

    def handle(self, request):
        op = request.pop("op")
        try:
            answer = getattr(self, op)(**request)
            answer["ok"] = True
        except BaseException as error:  # noqa: B036 - SystemExit and KeyboardInterrupt too
            answer = {"ok": False, "error": describe_error(error, self.submission_file)}
        return answer


def run_job(worker, request, box, done, profiler=None, _enable=gc.enable,
            _disable=gc.disable, _handle=Worker.handle, _body=protocol.body):
    """The body of a student thread: answer one request (bytes, or the load request as a
    dict) and put the encoded answer in box; done is released at the end, whatever
    happens. profiler: the guard's, installed first (the load request only).

    The box is the same list for every request: what the previous request left in it is
    dropped here, so that nothing the submission put there is ever freed (its __del__
    run) by the main thread. The collector runs while student code does (the main thread
    keeps it off while it works: a finaliser it ran would run there)."""
    try:
        box.clear()
        _enable()
        if profiler is not None:
            sys.setprofile(profiler)
        if isinstance(request, bytes):
            request = protocol.loads(request)
        box.append(_body(_handle(worker, request)))
    except BaseException as error:  # noqa: B036 - an answer that cannot be encoded
        box.append(protocol.body({"ok": False, "error": {
            "type": type(error).__name__, "message": "the answer could not be encoded",
            "not_implemented": False, "traceback": ""}}))
    finally:
        _disable()
        done.release()


def _stacked(arrays):
    """One float64 array of the step arrays (steps first); None when their shapes differ."""
    try:
        return np.stack(arrays) if arrays else np.zeros((0,))
    except ValueError:
        return None


def _copy_arrays(value):
    """A deep copy of the arrays inside value (dicts and lists of arrays), for comparison."""
    if isinstance(value, dict):
        return {key: _copy_arrays(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return np.array(value)
    return None


def _modified(index, before, after):
    """Name of an argument whose arrays changed in place during a call, or None."""
    if isinstance(before, dict) and isinstance(after, dict):
        changed = [key for key, array in before.items()
                   if array is not None and not np.array_equal(array, after.get(key))]
        return f"argument {index + 1} ({', '.join(changed)})" if changed else None
    if isinstance(before, np.ndarray) and not np.array_equal(before, after):
        return f"argument {index + 1}"
    return None


def serve(requests, answers):
    """Say {"ready": True}, then answer requests until the grader closes the channel
    (two binary streams). Ready comes once the imports are done, so that the time a
    worker takes to start never counts against the submission's timeout."""
    serving.not_dumpable()
    # From here on the submission's prints can never reach the protocol channel: what
    # is written to the descriptors 1 and 2 themselves goes to a file the main thread
    # reads (serving.FdOutput), sys.stdout and sys.stderr to the guard (CappedOutput).
    quiet, written = os.open(os.devnull, os.O_RDWR), serving.FdOutput()
    os.dup2(quiet, 0)
    for fd in (1, 2):
        os.dup2(written.fd, fd)
    worker = Worker()
    sys.stdin = io.StringIO()
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = CappedOutput()
    warnings.simplefilter("ignore")
    os.environ["MPLBACKEND"] = "Agg"
    protocol.write_message(answers, {"ready": True})
    try:
        load = protocol.read_message(requests)
        key = bytes.fromhex(load.pop("key"))
    except (protocol.ProtocolError, KeyError, ValueError, AttributeError):
        return
    report, profiler = guard.install_sentry(Path(load["path"]).resolve().parent,
                                            TRAINING_FUNCTIONS, figures.SHOW_FILES)
    snapshot = guard.Snapshot()
    serving.serve_signed(requests.read, answers.write, answers.flush, key, report, snapshot,
                         worker, load, profiler, run_job, written)


def preload():
    """Import what every submission uses, once (a zygote's children inherit it)."""
    import matplotlib

    matplotlib.use("Agg")
    _skip_property_docs()
    import matplotlib.pyplot  # noqa: F401

    plt = matplotlib.pyplot
    plt.close(plt.figure())  # the backend's lazy set-up happens now, before the snapshot

    from grader.sandbox import figures  # noqa: F401


def _skip_property_docs():
    """Spare matplotlib the property lists it writes into docstrings and set() signatures
    as each Artist class is made: half of pyplot's import, for help() texts no one reads
    in a worker. Artist.set and every property work as ever; where a matplotlib
    version lacks these hooks, it is left as it is."""
    from matplotlib import artist

    if callable(getattr(artist, "kwdoc", None)):
        artist.kwdoc = lambda _artist: ""
    if callable(getattr(artist.Artist, "_update_set_signature_and_docstring", None)):
        artist.Artist._update_set_signature_and_docstring = classmethod(lambda cls: None)
