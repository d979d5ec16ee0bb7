"""Reference answers: the one place the checks get "what a correct submission returns".

Three interchangeable sources, chosen by `load_reference()`:
- LiveReference computes answers with solution/backprop.py (the course's repository,
  marked by grader.paths.COURSE_MARKER);
- StoredReference reads them from a file of reference values (the student template and
  the Gradescope autograder, which ship no solution);
- RecordingReference computes them live and remembers every answer, to write that file.

The checks' inputs are fixed, so every answer they ask for can be stored in advance; a
value is found by a digest of the method, the loss and the input arrays.
"""

import hashlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from grader.lab import LOSSES
from grader.paths import COURSE_MARKER, REFERENCE_VALUES, SOLUTION_DIR
from grader.sandbox.loading import deferred, import_file

STORED_VALUES = REFERENCE_VALUES
METHODS = ("sigmoid", "derivative_sigmoid", "loss", "derivative_loss", "activations",
           "forward", "backward")


class ReferenceMissing(LookupError):
    """No reference value is stored for an input the checks asked about."""


def loss_value(y_pred, y, kind):
    """The declared loss of predictions, computed by the grader itself.

    Used on a submission's own outputs (finite differences of its forward), where no
    stored value can exist. Same formulas as the contract; float64; y_pred (N, 1).
    """
    if kind == "bce":
        p = np.clip(y_pred, 1e-12, 1.0 - 1e-12)
        return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))
    return float(np.mean(np.square(y_pred - y)))


class LiveReference:
    """Reference answers computed by the solution module, in this process."""

    def __init__(self, solution_file=SOLUTION_DIR / "backprop.py"):
        # The reference never draws: deferring its `import matplotlib.pyplot` until a
        # plot is made keeps over half a second of imports off every grade.
        with deferred("matplotlib", "matplotlib.pyplot"):
            self.lab = import_file(solution_file, "_reference_backprop")

    @contextmanager
    def _loss(self, kind):
        if kind not in LOSSES:
            raise ValueError(f"unknown loss {kind!r}")
        saved, self.lab.LOSS = self.lab.LOSS, kind
        try:
            yield
        finally:
            self.lab.LOSS = saved

    def sigmoid(self, x):
        return self.lab.sigmoid(x)

    def derivative_sigmoid(self, y):
        return self.lab.derivative_sigmoid(y)

    def loss(self, y_pred, y, kind):
        with self._loss(kind):
            return self.lab.loss(y_pred, y)

    def derivative_loss(self, y_pred, y, kind):
        with self._loss(kind):
            return self.lab.derivative_loss(y_pred, y)

    def activations(self, x, params):
        """[x (N, 2), z1 (N, h1), z2 (N, h2), y_pred (N, 1)] of the reference network."""
        return list(self.lab.forward(x, params)[1])

    def forward(self, x, params):
        return self.lab.forward(x, params)[0]

    def backward(self, x, y, params, kind):
        with self._loss(kind):
            y_pred, cache = self.lab.forward(x, params)
            return self.lab.backward(y, cache, params)


def digest(method, args):
    """Key of one question: the method and its arguments (arrays, dicts of arrays, str)."""
    hasher = hashlib.sha256(method.encode())

    def feed(value):
        if isinstance(value, dict):
            for key in sorted(value):
                hasher.update(key.encode())
                feed(value[key])
        elif isinstance(value, str):
            hasher.update(value.encode())
        else:
            array = np.ascontiguousarray(value, dtype=np.float64)
            hasher.update(str(array.shape).encode())
            hasher.update(array.tobytes())

    for arg in args:
        feed(arg)
    return hasher.hexdigest()[:32]


def _flatten(key, answer):
    """{npz entry name: array} for an answer (array, float, list or dict of arrays)."""
    if isinstance(answer, dict):
        return {f"{key}.{name}": np.asarray(value) for name, value in answer.items()}
    if isinstance(answer, list):
        return {f"{key}#{index}": np.asarray(value) for index, value in enumerate(answer)}
    return {key: np.asarray(answer)}


def _unflatten(key, entries):
    """The answer stored under `key`, from {npz entry name: array}."""
    if key in entries:
        value = entries[key]
        return float(value) if value.ndim == 0 else value
    parts = {name[len(key):]: value for name, value in entries.items()
             if name.startswith(key) and name[len(key)] in ".#"}
    if not parts:
        raise ReferenceMissing(f"no stored reference value for this input ({key})")
    if next(iter(parts)).startswith("."):
        return {name[1:]: value for name, value in parts.items()}
    return [parts[f"#{index}"] for index in range(len(parts))]


class StoredReference:
    """Reference answers read from a file written by RecordingReference.save."""

    def __init__(self, path=STORED_VALUES):
        with np.load(path, allow_pickle=False) as stored:
            self.entries = {name: stored[name] for name in stored.files}

    def _answer(self, method, *args):
        return _unflatten(digest(method, args), self.entries)


class RecordingReference(LiveReference):
    """A LiveReference that remembers every answer it gives, to save them."""

    def __init__(self, solution_file=SOLUTION_DIR / "backprop.py"):
        super().__init__(solution_file)
        self.entries = {}

    def save(self, path):
        """Write every answer recorded so far into `path`, keeping what it already holds."""
        entries = dict(self.entries)
        if Path(path).exists():
            with np.load(path, allow_pickle=False) as stored:
                entries = {**{name: stored[name] for name in stored.files}, **entries}
        np.savez_compressed(path, **entries)


def _stored_method(method):
    def answer(self, *args):
        return self._answer(method, *args)

    return answer


def _recording_method(method):
    live = getattr(LiveReference, method)

    def answer(self, *args):
        value = live(self, *args)
        self.entries.update(_flatten(digest(method, args), value))
        return value

    return answer


for _method in METHODS:
    setattr(StoredReference, _method, _stored_method(_method))
    setattr(RecordingReference, _method, _recording_method(_method))


def load_reference():
    """The stored values where they are shipped (the exports), else the live solution of
    the course's own repository, which says it is one (COURSE_MARKER): a folder named
    solution/ in a student's repository is never taken for the reference."""
    if STORED_VALUES.exists():
        return StoredReference()
    if COURSE_MARKER.is_file() and (SOLUTION_DIR / "backprop.py").exists():
        return LiveReference()
    raise FileNotFoundError(f"no {STORED_VALUES}, and this is not the course's repository "
                            f"(no {COURSE_MARKER.name} beside solution/backprop.py): the grader "
                            "has no reference answers")
