"""The checks' view of a submission: call a contract function, get checked values back.

Every method returns plain float64 arrays (or raises CheckFailed with a message that
names the function, the input and what came back), so a check only compares numbers:
the answers are read by grader.session.answers, a failure put in words by
grader.session.failures.

StudentCode also remembers which functions a value check found right (`judging`), so
that a property (a shape kept, one number returned, params left unchanged) earns its
points only for a function that works (`require_working`).
"""

import os
import re
from contextlib import contextmanager

from grader.lab import LOSSES, SUBMISSION_FILE, TRAINING_FUNCTIONS
from grader.sandbox.handle import IntegrityError, SubmissionError, Timeout, failed_import
from grader.session.answers import (
    LOW_PRECISION,
    argument_names,
    expect_array,
    expect_params,
    returned_text,
)
from grader.session.carried import BUILDS_ON
from grader.session.failures import (
    call_failure_kind,
    error_text,
    import_failure_kind,
    syntax_error_text,
)
from grader.session.fallback import import_definitions_only, not_importable
from grader.session.figures import describe_figure
from grader.session.marker import CheckFailed
from grader.session.outcome import CRASHED, HINT, INTEGRITY, NOT_RUN, TIMEOUT, line
from grader.session.trajectory import check_trajectory

UNDEFINED_NAME = re.compile(r"name '(\w+)' is not defined")


def loss_name(value):
    """The loss a LOSS value names ("mse", "bce"), ignoring case and surrounding spaces."""
    return value.strip().lower() if isinstance(value, str) else value


class StudentCode:
    """Calls into one submission through its worker.

    submission: the grader.intake.prepare.Prepared submission; worker: the
    grader.sandbox.handle.WorkerHandle serving it (None when there is nothing to import).
    """

    def __init__(self, submission, worker):
        self.submission, self.worker = submission, worker
        self.stuck = {}  # function -> message, for those that once ran out of time
        self.outcomes = {}  # function -> [passed?] of each value check run on it
        self.low_precision = {}  # function -> the type of a float32/float16 array it returned
        self.fallback = None  # the ImportFallback, once the import failed in a way to retry
        self.fallback_decided = False

    @property
    def info(self):
        if self.submission.problem:
            return failed_import(*self.submission.problem)
        info = self.worker.load()
        if not self.fallback_decided and not info["ok"]:
            self.fallback_decided = True
            self.fallback = import_definitions_only(self.submission, self.worker, info)
            info = self.worker.load()
        return info

    @property
    def graded_without_statements(self):
        """The ImportFallback when the functions graded are the file's definitions only."""
        return self.fallback if self.fallback is not None and self.fallback.graded else None

    @property
    def file_name(self):
        """The name of the file graded, as the student knows it."""
        original = self.submission.original
        return original.name if original is not None else "backprop.py"

    def own_path(self, text):
        """text with the graded copy's paths replaced by the student's own."""
        copy, original = self.submission.path, self.submission.original
        if copy is None or original is None:
            return text
        if copy.suffix == original.suffix:
            for name in {str(copy), str(copy.resolve())}:
                text = text.replace(name, str(original))
        for folder in {str(copy.parent), str(copy.parent.resolve())}:
            text = text.replace(folder + os.sep, str(original.parent) + os.sep)
        return text

    def import_failure(self):
        """The full account of why the submission could not be imported ("" if it was, or
        was never tried): file, line and caret for a syntax error, else the error and the
        submission's own traceback."""
        if self.submission.problem:
            info = failed_import(*self.submission.problem)
        else:
            info = self.worker.info if self.worker is not None else None
        if info is None or info["ok"]:
            return ""
        if info["error"]["type"] == "missing":  # no file: nothing to name but the folder
            return f"Nothing could be graded: {info['error']['message']}"
        if info["error"]["type"] in ("notebook", "integrity"):
            return f"{self.file_name} could not be graded: {info['error']['message']}"
        if self.fallback is None:
            return f"{self.file_name} could not be imported: {self.failed_import_text(info)}"
        return (f"{self.file_name} could not be imported: "
                f"{self.failed_import_text(self.fallback.first)}"
                + not_importable(self.fallback, self.failed_import_text))

    def failed_import_text(self, info):
        """What a failed import report says, after "could not be imported: "."""
        error = info["error"]
        if error["type"] == "import":  # the worker never answered the import
            return error["message"]
        text = f"{error['type']}: {self.own_path(error['message'])}"
        if error["type"] in ("SyntaxError", "IndentationError", "TabError"):
            original = self.submission.original
            caret = syntax_error_text(self.submission.code, str(original or self.file_name))
            return f"{text}\n{caret}" if caret else text
        if error["traceback"]:
            text += "\n" + self.own_path(error["traceback"]).rstrip()
        return text

    def declared_loss(self):
        """The submission's LOSS ("mse" when missing), read ignoring case and surrounding
        spaces; CheckFailed if it names neither loss."""
        self.require("loss")
        declared = self.info["loss"]
        kind = loss_name(declared)
        if kind not in LOSSES:
            raise CheckFailed(f"LOSS is {declared!r}; it must be \"mse\" or \"bce\" (case and "
                              "surrounding spaces do not matter)")
        return kind

    def loss_spelling(self):
        """A sentence when LOSS is spelled otherwise than the name it is read as, or None
        (code comparing LOSS == "bce" then computes the other loss)."""
        declared = self.info["loss"]
        kind = loss_name(declared)
        if declared == kind or kind not in LOSSES:
            return None
        return (f"LOSS is {declared!r}, read as {kind!r}: where your code compares LOSS, "
                f"compare LOSS.strip().lower() == {kind!r}")

    def require_import(self):
        """The worker's import report; fails (not run) unless the submission imported."""
        info = self.info
        if not info["ok"] and info["error"]["type"] == "IntegrityError":
            raise CheckFailed(f"{self.file_name} was not graded: {info['error']['message']}",
                              kind=INTEGRITY)
        if not info["ok"]:
            what = "is not graded" if info["error"]["type"] in ("missing", "notebook") \
                else "does not import"
            raise CheckFailed(f"not run: {self.file_name} {what} (the reason is at the top)",
                              kind=import_failure_kind(info["error"]))
        return info

    def skipped_cell(self, function):
        """Why the notebook's last definition of `function` was left out ("its cell In [7]
        has a syntax error on line 2: ..."), or None."""
        notebook = self.submission.notebook
        return notebook.broken.get(function) if notebook is not None else None

    def notebook_hint(self, error):
        """A hint line for a notebook's call that failed on a stub or an undefined name
        because a cell was skipped or no cell defines it ("" when neither applies)."""
        notebook = self.submission.notebook
        if notebook is None:
            return ""
        undefined = UNDEFINED_NAME.search(error["message"]) if error["type"] == "NameError" \
            else None
        if undefined and undefined.group(1) not in notebook.broken:
            where = (f", nor does the starter's {SUBMISSION_FILE}, standing in for the one not "
                     "handed in" if self.submission.stood_in else f", and no {SUBMISSION_FILE} "
                     "was handed in" if self.submission.given else "")
            return line(f"no cell of {self.file_name} defines {undefined.group(1)}{where}: "
                        "define it in a cell", HINT)
        named = [undefined.group(1)] if undefined else [
            name for name in notebook.broken if error["not_implemented"]]
        return "".join(line(f"{name} is not the notebook's: {notebook.broken[name]}, so that "
                            "cell was skipped", HINT) for name in named)

    def require(self, function):
        """Fail unless the submission imported and defines `function` (in a notebook, in a
        cell that parses)."""
        info = self.require_import()
        skipped = self.skipped_cell(function)
        if skipped:
            raise CheckFailed(f"{function}: {skipped} (the cell is skipped, so {function} "
                              "is not graded: fix the cell)", kind=NOT_RUN)
        if function not in info["functions"]:
            raise CheckFailed(f"{function} is missing: backprop.py must define "
                              f"{function} with the signature of the starter")

    def _request(self, blame, op, requires=None, remember_timeout=True, **fields):
        """Send a request on behalf of `blame` (the function named in failures).

        A function that once ran out of time is not run again (unless remember_timeout
        is False): every later request that needs it fails at once with the same
        message, so a loop costs one timeout.
        """
        for function in requires or (blame,):
            self.require(function)
        for function in (blame, *(requires or ())):
            if function in self.stuck:
                raise CheckFailed(f"{self.stuck[function]} (not run again)", kind=TIMEOUT)
        try:
            answer = self.worker.request(op, **fields)
        except Timeout as error:
            if not remember_timeout:
                raise CheckFailed(f"{blame} {error}", kind=TIMEOUT) from None
            self.stuck[blame] = f"{blame} {error}"
            raise CheckFailed(self.stuck[blame], kind=TIMEOUT) from None
        except IntegrityError as error:
            raise CheckFailed(f"{blame} {error}", kind=INTEGRITY) from None
        except SubmissionError as error:
            raise CheckFailed(f"{blame} {error}", kind=CRASHED) from None
        if not answer["ok"]:
            error = answer["error"]
            raise CheckFailed(error_text(blame, error, self.own_path)
                              + self.notebook_hint(error), kind=call_failure_kind(error))
        return answer

    # -- what the value checks found -----------------------------------------------------

    @contextmanager
    def judging(self, function):
        """Record whether the value check run inside the block found `function` right."""
        outcomes = self.outcomes.setdefault(function, [])
        try:
            yield
        except CheckFailed:
            outcomes.append(False)
            raise
        outcomes.append(True)

    def verdict(self, function):
        """True when every value check of `function` run so far passed, False when one
        failed, None when none ran yet."""
        outcomes = self.outcomes.get(function)
        return all(outcomes) if outcomes else None

    def works_at_all(self):
        """Whether a value check of any function passed in this grade."""
        return any(any(outcomes) for outcomes in self.outcomes.values())

    def require_working(self, function, *value_checks):
        """Fail unless at least one value check of `function` passes.

        value_checks: callables raising CheckFailed, run (in order, until one passes) only
        while no value check of this grade has passed yet.
        """
        for value_check in value_checks:
            if any(self.outcomes.get(function, ())):
                break
            try:
                with self.judging(function):
                    value_check()
            except CheckFailed:
                continue
        if not any(self.outcomes.get(function, ())):
            raise CheckFailed(f"checked once {function} returns correct values: no value check "
                              f"of {function} passes yet, so this property earns nothing")

    def call(self, function, *args, keep_cache=False):
        """Run function(*args) in the worker; returns the worker's answer dict."""
        return self._request(function, "call", function=function, args=list(args),
                             keep_cache=keep_cache)

    def arrays(self, function, arg_lists, shape=None, first_of_pair=False, finite=True):
        """[function(*args) as a float64 array of `shape`] for every args of arg_lists, in
        one request: the many points of a finite-difference gradient. The request may
        take the timeout once per call."""
        answer = self._request(function, "call_many", function=function,
                               arg_lists=[list(args) for args in arg_lists],
                               first_of_pair=first_of_pair,
                               timeout=self.worker.timeout * max(len(arg_lists), 1))
        return [expect_array(function, value, None, shape, finite=finite)
                for value in answer["values"]]

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
        if answer["value"].get("type", "").endswith(LOW_PRECISION):
            self.low_precision["forward"] = answer["value"]["type"]
        return y_pred, {"__handle__": answer["handle"]}, argument_names("forward",
                                                                       answer["modified"])

    def precision_hint(self, function):
        """A diagnosis sentence when `function` returned single or half precision arrays,
        too coarse for finite differences; else None."""
        kind = self.low_precision.get(function)
        if kind is None:
            return None
        return (f"your {function} returns a {kind}: about 7 significant digits, too few for "
                "finite differences (a step of 1e-6); compute in float64, numpy's default "
                "(no dtype=np.float32 or .astype(np.float32))")

    def backward(self, y, cache, params):
        """(grads: dict of float64 arrays with the keys of params, any shapes; modified inputs)."""
        answer = self.call("backward", y, cache, params)
        return (expect_params("backward", answer["value"], params, shapes=False),
                argument_names("backward", answer["modified"]))

    def timed_backward(self, y, cache, params, timeout):
        """(grads: a dict of float64 arrays, any shapes, or None; "forward" when backward
        called it at params other than those given, where it was stopped, else "") when
        backward answers within timeout seconds; running out of time there does not stop
        backward's other checks."""
        answer = self._request("backward", "call", remember_timeout=False, function="backward",
                               args=[y, cache, params], keep_cache=False, timeout=timeout,
                               watch_params=True)
        elsewhere = answer.get("elsewhere")
        if elsewhere == "forward":
            return None, elsewhere
        return expect_params("backward", answer["value"], params, shapes=False), ""

    def train(self, x, y, params, lr, max_epochs, timeout):
        """(epochs run, params reached: float64 arrays of params' shapes) when the grader's
        loop (grader.sandbox.training) drives the submission's forward, backward and
        update; CheckFailed unless the trajectory shows they come from gradient descent
        (grader.session.trajectory)."""
        answer = self._request("training", "train", requires=TRAINING_FUNCTIONS,
                               x=x, y=y, params=params, lr=lr, max_epochs=max_epochs,
                               timeout=timeout)
        epochs = answer["epochs"]
        if not isinstance(epochs, int) or not 0 <= epochs <= max_epochs:
            raise CheckFailed(f"the training loop reported {epochs!r} epochs")
        trained = expect_params("update during training", answer["params"], params)
        trajectory = answer.get("trajectory")
        # A backward charged in its own checks, or built on a derivative charged in its
        # own, is not charged again here if it descends.
        charged = any(self.verdict(name) is False for name in ("backward", *BUILDS_ON))
        check_trajectory(trajectory if isinstance(trajectory, dict) else {}, epochs, x, y,
                         params, lr, self.declared_loss(), trained, carried=charged)
        return epochs, trained

    def figure(self, function, *args):
        """What the figure function(*args) drew shows, derived here from the raw data the
        worker serialised (grader.session.figures)."""
        answer = self._request(function, "figure", function=function, args=list(args))
        if answer["figure"] is None:
            raise CheckFailed(f"{function} returned {answer['returned']} and drew no "
                              "figure; return the matplotlib Figure")
        return describe_figure(answer["figure"])
