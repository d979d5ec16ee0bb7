"""backward: every gradient against finite differences and against the reference.

backward is graded on the submission's own forward cache, so a wrong forward costs
backward points too (see the contract). Widths with h1 != h2 make W-versus-W.T bugs
fail with a shape error instead of passing by accident.
"""

import numpy as np
import pytest

from grader.lab import LAYER_KEYS
from grader.session.cases import inputs, random_params, widths_label
from grader.session.diagnosis import (
    KNOWN_BUGS,
    diagnose_gradients,
    diagnose_parameter,
    variant_gradients,
)
from grader.session.gradcheck import params_gradient, rel_error
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.reference import loss_value
from grader.session.student import shape_text

FD_TOLERANCE = 1e-5
REFERENCE_TOLERANCE = 1e-6
FD_WIDTHS = (2, 3, 5, 1)
REFERENCE_CASES = [((2, 4, 4, 1), 7), ((2, 1, 7, 1), 100)]


class Case:
    """One call of the submission's backward, with everything needed to judge it."""

    def __init__(self, student, reference, widths, n):
        self.widths, self.n = widths, n
        self.kind = student.declared_loss()
        self.x, self.y = inputs(n, seed=1)
        self.params = random_params(widths, seed=1)
        _, cache, _ = student.forward(self.x, self.params)
        self.grads, self.modified = student.backward(self.y, cache, self.params)
        self.expected = reference.backward(self.x, self.y, self.params, self.kind)
        activations = reference.activations(self.x, self.params)
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

    def judge(self, key, expected_all, source):
        """Fail with a diagnosis unless grads[key] matches expected_all[key]."""
        got, expected = self.grads[key], expected_all[key]
        label = f"d{key}"
        where = f"widths {widths_label(self.widths)}, N = {self.n}, LOSS = {self.kind!r}"
        if got.shape != expected.shape:
            hint = diagnose_parameter(label, got, expected, self.n, is_bias=key[0] == "b")
            raise CheckFailed(f"{label} has shape {shape_text(got.shape)}, expected "
                              f"{shape_text(expected.shape)} like {key} ({where})."
                              + (f"\n  {hint}" if hint else ""))
        error = rel_error(got, expected)
        if error < (FD_TOLERANCE if source == "finite differences" else REFERENCE_TOLERANCE):
            return
        hints = [diagnose_parameter(label, got, expected, self.n, is_bias=key[0] == "b")]
        if all(self.grads[k].shape == expected_all[k].shape for k in expected_all):
            hints += diagnose_gradients(self.grads, expected_all, self.known_bugs)
        lines = [f"{label} does not match {source} (relative error {error:.2g}; {where}).",
                 f"  got:      {preview(got)}", f"  expected: {preview(expected)}"]
        lines += [f"  {hint}" for hint in hints if hint]
        raise CheckFailed("\n".join(lines))


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


@pytest.mark.parametrize("key", LAYER_KEYS)
@check("backward: d{key} matches finite differences (widths 2-3-5-1)", points=3)
def check_backward_finite_differences(cases, finite_differences, key):
    cases(FD_WIDTHS, 7).judge(key, finite_differences(), "finite differences")


@pytest.mark.parametrize(("widths", "n"), REFERENCE_CASES)
@check("backward: every gradient matches the reference (widths {widths}, N = {n})", points=5)
def check_backward_reference(cases, widths, n):
    current = cases(widths, n)
    for key in LAYER_KEYS:
        current.judge(key, current.expected, "the reference")


@check("backward: returns a gradient for every key, shaped like its parameter", points=2)
def check_backward_shapes(cases):
    current = cases(FD_WIDTHS, 7)
    for key in LAYER_KEYS:
        got, expected = current.grads[key], current.params[key]
        fail_unless(got.shape == expected.shape,
                    f"d{key} has shape {shape_text(got.shape)}; grads[{key!r}] must have "
                    f"the shape of params[{key!r}], {shape_text(expected.shape)}")


@check("backward: does not modify params", points=2)
def check_backward_keeps_params(cases):
    current = cases(FD_WIDTHS, 7)
    fail_unless(not current.modified,
                f"backward modified its {', '.join(current.modified)} in place. It must only "
                "compute gradients; update() applies them (an in-place change before "
                "back-propagating also corrupts the hidden layers' gradients)")
