"""backward: every gradient against finite differences and against the reference, and
the back-propagation rule (grader.session.backprop_rule): a gradient earns its points only
where backward computes it without evaluating the network at other parameters.

backward is graded on the submission's own forward cache, so a wrong forward costs
backward points too (see the contract), and every failure then says so first. Widths
with h1 != h2 make W-versus-W.T bugs fail with a shape error instead of passing by
accident. Finite differences of a forward that does not depend on a parameter are zero
and would "match" a zero gradient: such a check fails instead, pointing at forward.
"""

from functools import partial

import numpy as np
import pytest

from grader.lab import LAYER_KEYS
from grader.session.cases import inputs, random_params, widths_label
from grader.session.diagnosis import (
    KNOWN_BUGS,
    SIGN_CAUSE,
    diagnose_gradients,
    diagnose_parameter,
    error_summary,
    factor,
    variant_gradients,
)
from grader.session.gradcheck import params_gradient, rel_error, uninformative
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.outcome import line
from grader.session.reference import loss_value
from grader.session.student import shape_text

FD_TOLERANCE = 1e-5
REFERENCE_TOLERANCE = 1e-6
FORWARD_TOLERANCE = 1e-7  # as the forward checks
FD_WIDTHS = (2, 3, 5, 1)
REFERENCE_CASES = [((2, 4, 4, 1), 7), ((2, 1, 7, 1), 100)]
FD_SOURCE = "finite differences"


class Case:
    """One call of the submission's backward, with everything needed to judge it."""

    def __init__(self, student, reference, widths, n):
        self.widths, self.n = widths, n
        self.kind = student.declared_loss()
        self.x, self.y = inputs(n, seed=1)
        self.params = random_params(widths, seed=1)
        y_pred, cache, _ = student.forward(self.x, self.params)
        self.grads, self.modified = student.backward(self.y, cache, self.params)
        self.expected = reference.backward(self.x, self.y, self.params, self.kind)
        activations = reference.activations(self.x, self.params)
        self.forward_error = (None if rel_error(y_pred, activations[-1]) < FORWARD_TOLERANCE
                              else error_summary(y_pred, activations[-1]))
        d_loss = reference.derivative_loss(activations[-1], self.y, self.kind)
        self.known_bugs = [(variant_gradients(activations, self.y, self.params, d_loss, **bug),
                            sentence) for bug, sentence in KNOWN_BUGS]
        self._student = student

    def finite_differences(self):
        """{key: gradient of the declared loss of the submission's forward}."""
        def losses_of(trials):  # one request for all of a parameter's shifted copies
            y_preds = self._student.arrays("forward", [(self.x, trial) for trial in trials],
                                           shape=self.y.shape, first_of_pair=True)
            return [loss_value(y_pred, self.y, self.kind) for y_pred in y_preds]

        return {key: params_gradient(losses_of, self.params, key, batched=True)
                for key in LAYER_KEYS}

    def lead(self):
        """What a failure must say first: backward changed params, or forward is wrong."""
        if self.modified:
            changed = ", ".join(self.modified)
            if not any(name.startswith("params") for name in self.modified):
                return f"backward modified its {changed} in place; leave its inputs unchanged. "
            return (f"backward modified its {changed} in place, so the gradients below the "
                    "changed layer use the changed weights; compute every gradient first "
                    "and leave params to update(). ")
        if self.forward_error:
            return ("backward is judged on your own forward, and your forward fails here "
                    f"(y_pred {self.forward_error}): fix forward first. ")
        return ""

    def sign_cause(self, expected_all, derivative_loss_right):
        """Where to look when a gradient has the wrong sign."""
        flipped = [key for key in expected_all
                   if self.grads[key].shape == expected_all[key].shape
                   and (c := factor(self.grads[key], expected_all[key])) is not None
                   and abs(c + 1.0) < 1e-4]
        if derivative_loss_right is False:
            return ("derivative_loss is wrong (see its checks) and backward starts from it: "
                    f"fix derivative_loss first ({SIGN_CAUSE})")
        if len(flipped) == len(expected_all) and derivative_loss_right:
            return ("derivative_loss is right, so the sign is lost where backward starts: "
                    "its first delta must come from derivative_loss(y_pred, y), with y_pred - "
                    "y, not y - y_pred, a minus sign or the arguments swapped")
        if len(flipped) == len(expected_all):
            return (f"{SIGN_CAUSE}, and the order of the arguments of "
                    "derivative_loss(y_pred, y)")
        if derivative_loss_right:
            return ("derivative_loss is right, so the sign is lost inside backward, where "
                    f"{', '.join('d' + key for key in flipped)} "
                    f"{'is' if len(flipped) == 1 else 'are'} computed")
        return SIGN_CAUSE

    def hints(self, key, expected_all, source, derivative_loss_right):
        """The diagnosis sentences for a wrong grads[key] (none where they would mislead)."""
        if self.modified or (self.forward_error and source != FD_SOURCE):
            return []
        got, expected = self.grads[key], expected_all[key]
        hints = [diagnose_parameter(
            f"d{key}", got, expected, self.n, is_bias=key[0] == "b",
            sign_cause=self.sign_cause(expected_all, derivative_loss_right))]
        shapes_right = all(self.grads[k].shape == expected_all[k].shape for k in expected_all)
        if shapes_right and not self.forward_error:
            hints += diagnose_gradients(self.grads, expected_all, self.known_bugs)
        return [hint for hint in hints if hint]

    def judge(self, key, expected_all, source, derivative_loss_right=None):
        """Fail with a diagnosis unless grads[key] matches expected_all[key].

        derivative_loss_right: whether the checks found derivative_loss right (None:
        not known), which decides where a wrong sign is looked for.
        """
        got, expected = self.grads[key], expected_all[key]
        label = f"d{key}"
        where = f"widths {widths_label(self.widths)}, N = {self.n}, LOSS = {self.kind!r}"
        if got.shape != expected.shape:
            hint = diagnose_parameter(label, got, expected, self.n, is_bias=key[0] == "b")
            raise CheckFailed(f"{self.lead()}{label} has shape {shape_text(got.shape)}, "
                              f"expected {shape_text(expected.shape)} like {key} ({where})."
                              + (line(hint) if hint else ""))
        error = rel_error(got, expected)
        if error < (FD_TOLERANCE if source == FD_SOURCE else REFERENCE_TOLERANCE):
            return
        lines = [f"{self.lead()}{label} does not match {source} "
                 f"({error_summary(got, expected)}; {where}).",
                 f"  got:      {preview(got)}", f"  expected: {preview(expected)}"]
        hints = self.hints(key, expected_all, source, derivative_loss_right)
        if source == FD_SOURCE:
            hints = [self._student.precision_hint("forward"), *hints]
        raise CheckFailed("\n".join(lines) + "".join(line(hint) for hint in hints if hint))


def preview(array, limit=8):
    values = np.round(array.ravel(), 6)
    text = np.array2string(values[:limit], separator=", ", max_line_width=200)
    return text[:-1] + ", ...]" if values.size > limit else text


@pytest.fixture(scope="session")
def cases(student, reference):
    """case(widths, n): the Case for (widths, n), built once per grading session."""
    built = {}

    def case(widths, n):
        if (widths, n) not in built:
            try:
                built[widths, n] = Case(student, reference, widths, n)
            except CheckFailed as error:
                built[widths, n] = error
        if isinstance(built[widths, n], CheckFailed):
            raise built[widths, n]
        return built[widths, n]

    return case


@pytest.fixture(scope="session")
def finite_differences(cases):
    """The finite-difference gradients of the FD_WIDTHS case (computed on first use)."""
    computed = {}

    def get():
        if not computed:
            computed.update(cases(FD_WIDTHS, 7).finite_differences())
        return computed

    return get


def judge_finite_differences(student, cases, finite_differences, key):
    current = cases(FD_WIDTHS, 7)
    numeric = finite_differences()
    cannot_tell = uninformative(numeric[key], "forward", key)
    fail_unless(cannot_tell is None,
                f"{cannot_tell}, so this check cannot vouch for d{key}: fix forward first "
                "(each layer is a = z_prev @ W + b, z = sigmoid(a))")
    current.judge(key, numeric, FD_SOURCE, student.verdict("derivative_loss"))


def judge_reference(student, cases, widths, n):
    current = cases(widths, n)
    for key in LAYER_KEYS:
        current.judge(key, current.expected, "the reference", student.verdict("derivative_loss"))


def require_working_backward(student, cases, finite_differences):
    """A property of backward earns its points only once a gradient check passes."""
    student.require_working(
        "backward",
        *[partial(judge_finite_differences, student, cases, finite_differences, key)
          for key in LAYER_KEYS],
        *[partial(judge_reference, student, cases, widths, n) for widths, n in REFERENCE_CASES])


@pytest.mark.parametrize("key", LAYER_KEYS)
@check("backward: d{key} matches finite differences (widths 2-3-5-1)", points=3)
def check_backward_finite_differences(student, cases, finite_differences, backprop_rule, key):
    with student.judging("backward"):
        judge_finite_differences(student, cases, finite_differences, key)
        backprop_rule().require([key])


@pytest.mark.parametrize(("widths", "n"), REFERENCE_CASES)
@check("backward: every gradient matches the reference (widths {widths}, N = {n})", points=5)
def check_backward_reference(student, cases, backprop_rule, widths, n):
    with student.judging("backward"):
        judge_reference(student, cases, widths, n)
        backprop_rule().require()


@check("backward: returns a gradient for every key, shaped like its parameter", points=1)
def check_backward_shapes(student, cases, finite_differences, backprop_rule):
    current = cases(FD_WIDTHS, 7)
    for key in LAYER_KEYS:
        got, expected = current.grads[key], current.params[key]
        fail_unless(got.shape == expected.shape,
                    f"d{key} has shape {shape_text(got.shape)}; grads[{key!r}] must have "
                    f"the shape of params[{key!r}], {shape_text(expected.shape)}")
    require_working_backward(student, cases, finite_differences)
    backprop_rule().require()


@check("backward: does not modify params", points=1)
def check_backward_keeps_params(student, cases, finite_differences, backprop_rule):
    current = cases(FD_WIDTHS, 7)
    fail_unless(not current.modified,
                f"backward modified its {', '.join(current.modified)} in place. It must only "
                "compute gradients; update() applies them (an in-place change before "
                "back-propagating also corrupts the hidden layers' gradients)")
    require_working_backward(student, cases, finite_differences)
    backprop_rule().require()
