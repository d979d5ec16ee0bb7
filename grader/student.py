"""The checks' view of a submission: call a contract function, get checked values back.

Every method returns plain float64 arrays (or raises CheckFailed with a message that
names the function, the input and what came back), so a check only compares numbers.
"""

import numpy as np

from grader.cases import widths_label
from grader.check import CheckFailed
from grader.submission import SubmissionError, Timeout

NOT_IMPLEMENTED = "not implemented yet"


def shape_text(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def describe_input(value):
    """Short text for an argument in a message: an array's shape, a dict's key shapes."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {shape_text(value.shape)}"
    if isinstance(value, dict):
        widths = [value[key].shape[1] for key in ("W1", "W2", "W3") if key in value]
        if len(widths) == 3:
            return f"params of widths {widths_label((2, *widths))}"
    return repr(value)


def a(noun):
    """The noun with its indefinite article."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def returned_text(value):
    """What a description from the worker says came back, in words."""
    kind = value["kind"]
    if kind == "none":
        return "None"
    if kind == "array":
        array = value["array"]
        if array.ndim == 0:
            return f"the {value['type']} {array.item()!r}"
        return f"{a(value['type'])} of shape {shape_text(array.shape)}"
    if kind == "dict":
        return f"a dict with keys {sorted(value['items'])}"
    if kind == "tuple":
        kinds = ", ".join(returned_text(item) for item in value["items"][:3])
        return f"{a(value['type'])} of {len(value['items'])} items ({kinds})"
    return f"{a(value['type'])} ({value['repr']})"


SHAPE_ERRORS = ("matmul", "not aligned", "could not be broadcast", "shapes")
SHAPE_HINT = ("a product or sum got arrays of incompatible shapes: W1 is (2, h1), W2 (h1, h2), "
              "W3 (h2, 1), a = z_prev @ W + b; check which side of @ each array goes and "
              "whether one is transposed (.T) where it should not be, or is not where it should")


def error_text(function, error):
    if error["not_implemented"]:
        return NOT_IMPLEMENTED
    if error["type"] == "TrainingError":
        return f"during training, {error['message']}"
    text = f"{function} raised {error['type']}"
    if error["message"]:
        text += f": {error['message']}"
    if error["type"] == "ValueError" and any(s in error["message"] for s in SHAPE_ERRORS):
        text += f"\n  Hint: {SHAPE_HINT}"
    if error["traceback"]:
        text += "\n" + error["traceback"].rstrip()
    return text


class StudentCode:
    """Calls into one submission through its worker (grader.submission.Submission)."""

    def __init__(self, submission):
        self.submission = submission
        self.stuck = {}  # function -> message, for those that once ran out of time

    @property
    def info(self):
        return self.submission.load()

    def declared_loss(self):
        """The submission's LOSS ("mse" when missing); CheckFailed if it is not valid."""
        self.require("loss")
        kind = self.info["loss"]
        if kind not in ("mse", "bce"):
            raise CheckFailed(f"LOSS is {kind!r}; it must be \"mse\" or \"bce\"")
        return kind

    def require(self, function):
        """Fail unless the submission imported and defines `function`."""
        info = self.info
        if not info["ok"]:
            error = info["error"]
            where = f"\n{error['traceback'].rstrip()}" if error["traceback"] else ""
            raise CheckFailed(f"backprop.py could not be imported: {error['type']}: "
                              f"{error['message']}{where}")
        if function not in info["functions"]:
            raise CheckFailed(f"{function} is missing: backprop.py must define "
                              f"{function} with the signature of the starter")

    def _request(self, blame, op, requires=None, **fields):
        """Send a request on behalf of `blame` (the function named in failures).

        A function that once ran out of time is not run again: every later request
        that needs it fails at once with the same message, so a loop costs one timeout.
        """
        for function in requires or (blame,):
            self.require(function)
        for function in (blame, *(requires or ())):
            if function in self.stuck:
                raise CheckFailed(f"{self.stuck[function]} (not run again)")
        try:
            answer = self.submission.request(op, **fields)
        except Timeout as error:
            self.stuck[blame] = f"{blame} {error}"
            raise CheckFailed(self.stuck[blame]) from None
        except SubmissionError as error:
            raise CheckFailed(f"{blame} {error}") from None
        if not answer["ok"]:
            error = answer["error"]
            raise CheckFailed(error_text(blame, error),
                              not_implemented=error["not_implemented"])
        return answer

    def call(self, function, *args, keep_cache=False):
        """Run function(*args) in the worker; returns the worker's answer dict."""
        return self._request(function, "call", function=function, args=list(args),
                             keep_cache=keep_cache)

    def array(self, function, *args, shape=None, finite=True):
        """function(*args) as a float64 array, checked for shape (and finiteness)."""
        answer = self.call(function, *args)
        return expect_array(function, answer["value"], args, shape, finite=finite)

    def forward(self, x, params):
        """(y_pred (N, 1), handle of the cache kept in the worker, modified inputs)."""
        answer = self.call("forward", x, params, keep_cache=True)
        if answer.get("not_a_pair"):
            raise CheckFailed(f"forward must return (y_pred, cache); it returned "
                              f"{returned_text(answer['value'])}")
        y_pred = expect_array("forward", answer["value"], (x, params), (len(x), 1),
                              what="y_pred")
        return y_pred, {"__handle__": answer["handle"]}, answer["modified"]

    def backward(self, y, cache, params):
        """(grads: dict of float64 arrays with the keys of params, any shapes; modified inputs)."""
        answer = self.call("backward", y, cache, params)
        return expect_params("backward", answer["value"], params, shapes=False), answer["modified"]

    def train(self, x, y, params, lr, max_epochs, timeout):
        """(epochs run, params reached: float64 arrays of params' shapes) when the grader's
        loop (grader.training) drives the submission's forward, backward and update."""
        answer = self._request("training", "train", requires=("forward", "backward", "update"),
                               x=x, y=y, params=params, lr=lr, max_epochs=max_epochs,
                               timeout=timeout)
        return answer["epochs"], expect_params("update during training", answer["params"],
                                               params)

    def figure(self, function, *args):
        """The worker's description of the figure function(*args) drew."""
        answer = self._request(function, "figure", function=function, args=list(args))
        if answer["figure"] is None:
            raise CheckFailed(f"{function} returned {answer['returned']} and drew no "
                              "figure; return the matplotlib Figure")
        return answer["figure"]


def expect_array(function, value, args, shape=None, what="the result", finite=True):
    """Check a described return value is an array (of `shape`, finite); return it."""
    called = function
    if args is not None:
        called += f"({', '.join(describe_input(arg) for arg in args)})"
    if value["kind"] != "array":
        expected = f"an array of shape {shape_text(shape)}" if shape else "an array"
        raise CheckFailed(f"{called} returned {returned_text(value)} as {what}; "
                          f"expected {expected}")
    array = value["array"]
    if shape is not None and array.shape != tuple(shape):
        raise CheckFailed(f"{called} returned {returned_text(value)} as {what}; "
                          f"expected shape {shape_text(shape)}")
    if finite and not np.all(np.isfinite(array)):
        raise CheckFailed(f"{called} returned NaN or infinite values in {what}")
    return array


def expect_params(function, value, params, shapes=True):
    """Check a described dict has every key of params (with its shape); return the arrays."""
    if value["kind"] != "dict":
        raise CheckFailed(f"{function} returned {returned_text(value)}; expected a dict "
                          f"with the keys {list(params)}")
    items = value["items"]
    missing = [key for key in params if key not in items]
    if missing:
        raise CheckFailed(f"{function} returned a dict without {', '.join(missing)}; "
                          f"expected the keys {list(params)}")
    return {key: expect_array(function, items[key], None,
                              params[key].shape if shapes else None, what=key)
            for key in params}
