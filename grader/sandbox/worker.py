"""The worker: a separate process that imports a submission and runs its functions.

The grader never imports student code itself. It starts this file as a process and
sends it requests (see grader.sandbox.protocol); the worker answers with plain numbers and
float64 arrays only. Whatever the submission prints is captured here, capped, and
never reaches the protocol channel.

Requests (dicts with an "op"):
    load      {"path"}                          import the submission
    call      {"function", "args", "keep_cache"} run one function
    call_many {"function", "arg_lists", "first_of_pair"} run it on many inputs
    train     {"x", "y", "params", "lr", "max_epochs"} the grader's training loop
    figure    {"function", "args"}              run a plotting function, describe the figure
Answers are {"ok": True, ...} or {"ok": False, "error": {...}}, and every answer also
carries "imports" (the submission's import attempts since the last answer, see
grader.guard) and "replaced" (watched functions rebound before or during the request).
None of it is a verdict: the grader judges (training: the params come back, the grader
computes the accuracy).
"""

import io
import os
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

from grader.lab import DEFAULT_LOSS, TRAINING_FUNCTIONS
from grader.sandbox import figures, guard, protocol, training
from grader.sandbox.loading import import_file

MODULE_NAME = "submission"
OUTPUT_LIMIT = 20_000  # characters of captured output kept per request


class CappedOutput(io.TextIOBase):
    """A text stream that keeps the first OUTPUT_LIMIT characters and counts the rest."""

    def __init__(self):
        self.kept, self.kept_size, self.size = [], 0, 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = OUTPUT_LIMIT - self.kept_size
        if room > 0:
            self.kept.append(text[:room])
            self.kept_size += len(self.kept[-1])
        self.size += len(text)
        return len(text)

    def take(self):
        """Return what was written since the last take, then forget it."""
        text = "".join(self.kept)
        if self.size > len(text):
            text += f"\n... ({self.size - len(text)} more characters not shown)"
        self.kept, self.kept_size, self.size = [], 0, 0
        return text


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
        self.output = CappedOutput()
        self.audit = self.snapshot = None  # set up just before the submission's import

    # -- requests -------------------------------------------------------------------

    def load(self, path):
        path = Path(path).resolve()
        self.submission_file = str(path)
        sys.path.insert(0, str(path.parent))
        calls = dict.fromkeys(TRAINING_FUNCTIONS, 0)
        shown = [0]  # plt.show() and Figure.show() calls: windows, where one can open

        def count_calls(frame, event, arg):
            code = frame.f_code
            if event != "call":
                return
            if code.co_name in calls and code.co_filename == self.submission_file:
                calls[code.co_name] += 1
            elif code.co_name == "show" and code.co_filename.endswith(figures.SHOW_FILES):
                shown[0] += 1

        self.audit = guard.ImportAudit(path.parent)
        self.audit.install()
        self.snapshot = guard.Snapshot(self.audit)
        started = time.perf_counter()
        sys.setprofile(count_calls)
        try:
            self.module = import_file(path, MODULE_NAME)
        finally:
            sys.setprofile(None)
        loss_name = getattr(self.module, "LOSS", DEFAULT_LOSS)
        return {
            "functions": sorted(
                name for name, value in vars(self.module).items() if callable(value)
            ),
            "loss": loss_name if isinstance(loss_name, str) else repr(loss_name)[:80],
            "seconds": time.perf_counter() - started,
            "training_calls": calls,
            "figures": {"shown": shown[0], "open": figures.open_figures()},
        }

    def call(self, function, args, keep_cache=False):
        args = [self.kept[arg["__handle__"]] if isinstance(arg, dict) and "__handle__" in arg
                else arg for arg in args]
        originals = [_copy_arrays(arg) for arg in args]
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
        epochs run and the params reached, which the grader judges with its own forward."""
        functions = tuple(getattr(self.module, name) for name in TRAINING_FUNCTIONS)
        epochs, params = training.train(functions, x, y, params, lr, max_epochs)
        return {"epochs": epochs, "params": describe(params)}

    def figure(self, function, args):
        import matplotlib.pyplot as plt

        from grader.sandbox.figures import describe_figure

        plt.close("all")
        result = getattr(self.module, function)(*args)
        if result is None and plt.get_fignums():
            result = plt.gcf()
        returned = "None" if result is None else f"a {type(result).__name__}"
        return {"figure": describe_figure(result), "returned": returned}

    # -- dispatch -------------------------------------------------------------------

    def handle(self, request):
        op = request.pop("op")
        replaced = self.snapshot.replaced() if self.snapshot else []
        try:
            answer = getattr(self, op)(**request)
            answer["ok"] = True
        except BaseException as error:  # noqa: B036 - SystemExit and KeyboardInterrupt too
            answer = {"ok": False, "error": describe_error(error, self.submission_file)}
        answer["output"] = self.output.take()
        if self.snapshot:
            answer["replaced"] = self.snapshot.replaced(earlier=replaced)
        answer["imports"] = self.audit.new_records() if self.audit else []
        return answer


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
    # From here on the submission's prints can never reach the protocol channel.
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    worker = Worker()
    sys.stdin = io.StringIO()
    sys.stdout = sys.stderr = worker.output
    warnings.simplefilter("ignore")
    os.environ["MPLBACKEND"] = "Agg"
    protocol.write_message(answers, {"ready": True})
    while True:
        try:
            request = protocol.read_message(requests)
        except protocol.ProtocolError:
            return
        protocol.write_message(answers, worker.handle(request))


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
