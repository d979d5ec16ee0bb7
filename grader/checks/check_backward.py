"""backward: every gradient against finite differences and against the reference, and
the back-propagation rule (grader.session.backprop_rule): a gradient earns its points only
where backward computes it without evaluating the network at other parameters.

backward is graded on the submission's own forward cache (see the contract). Widths
with h1 != h2 make W-versus-W.T bugs fail with a shape error instead of passing by
accident. Finite differences of a forward that does not depend on a parameter are zero
and would "match" a zero gradient: such a check fails instead, pointing at forward.

An error is carried forward, not charged again (grader.session.carried): where
derivative_loss or derivative_sigmoid fails its own checks, a gradient that is right
given the submission's own derivative_loss and derivative_sigmoid passes, saying so;
where forward fails, the reference comparison is made where the submission's network and
the contract's agree (the biases a bias-free forward leaves out set to zero), on the
gradients of the parameters that network has. A wrong chain rule fails either way.
"""

import copy
from functools import partial

import numpy as np
import pytest

from grader.lab import LAYER_KEYS
from grader.session import carried
from grader.session.answers import shape_text
from grader.session.cases import inputs, random_params, widths_label
from grader.session.diagnosis import (
    KNOWN_BUGS,
    SIGN_CAUSE,
    diagnose_gradients,
    diagnose_parameter,
    error_summary,
    factor,
    variant_gradients,
    weights_and_biases,
)
from grader.session.gradcheck import STEP, params_gradient, rel_error, uninformative
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.outcome import line
from grader.session.reference import loss_value

FD_TOLERANCE = 1e-5
REFERENCE_TOLERANCE = 1e-6
FORWARD_TOLERANCE = 1e-7  # as the forward checks
FD_WIDTHS = (2, 3, 5, 1)
REFERENCE_CASES = [((2, 4, 4, 1), 7), ((2, 1, 7, 1), 100)]
FD_SOURCE = "finite differences"
REFERENCE_SOURCE = "the reference"


class Case:
    """One call of the submission's backward, with everything needed to judge it."""

    def __init__(self, student, reference, widths, n):
        self.widths, self.n = widths, n
        self.kind = student.declared_loss()
        self.x, self.y = inputs(n, seed=1)
        self.params = random_params(widths, seed=1)
        self.y_pred, cache, _ = student.forward(self.x, self.params)
        self.grads, self.modified = student.backward(self.y, cache, self.params)
        y_pred = self.y_pred
        self.fd_outputs = {}  # key -> the forward's y_pred at each shifted copy of params
        self.prefix = ""  # what a failure says first, before the lead (see carried_reference)
        self.expected = reference.backward(self.x, self.y, self.params, self.kind)
        activations = reference.activations(self.x, self.params)
        self.forward_error = (None if rel_error(y_pred, activations[-1]) < FORWARD_TOLERANCE
                              else error_summary(y_pred, activations[-1]))
        # The biases a bias-free forward leaves out: its error, explained (None: not that).
        self.left_out = (carried.left_out_biases(self.x, self.params, y_pred)
                         if self.forward_error else None)
        d_loss = reference.derivative_loss(activations[-1], self.y, self.kind)
        self.known_bugs = [(variant_gradients(activations, self.y, self.params, d_loss, **bug),
                            sentence) for bug, sentence in KNOWN_BUGS]
        self._student = student

    def finite_differences(self):
        """{key: gradient of the declared loss of the submission's forward}."""
        def losses_of(key):
            def losses(trials):  # one request for all of a parameter's shifted copies
                y_preds = self._student.arrays("forward", [(self.x, trial) for trial in trials],
                                               shape=self.y.shape, first_of_pair=True)
                self.fd_outputs[key] = y_preds
                return [loss_value(y_pred, self.y, self.kind) for y_pred in y_preds]
            return losses

        return {key: params_gradient(losses_of(key), self.params, key, batched=True)
                for key in LAYER_KEYS}

    def linearized(self, key, d_loss):
        """Finite differences of sum(d_loss * forward(x, params)) with respect to
        params[key], d_loss held fixed: the gradient a right chain rule gives when it
        starts from d_loss, on the submission's own forward (from the y_preds already
        computed for finite_differences)."""
        values = np.array([float(np.sum(d_loss * y_pred)) for y_pred in self.fd_outputs[key]])
        return ((values[0::2] - values[1::2]) / (2 * STEP)).reshape(self.params[key].shape)

    # -- errors carried forward (grader.session.carried) ------------------------------

    def carried_finite_differences(self, student, key):
        """What grads[key] should be given the failing functions backward builds on, or
        None (none fails, or what they give proves nothing)."""
        failing = carried.failing_inputs(student)
        if not failing:
            return None, failing
        if self.forward_error is None:  # the submission's network is the contract's here
            expected = carried.given_own(student, failing, self.x, self.y, self.kind,
                                         self.params)
            return (None if expected is None else expected[key]), failing
        if failing == ["derivative_loss"] and key in self.fd_outputs:
            values = carried.own_values(student, failing, self.y, self.kind, self.y_pred, [])
            return (None if values is None else self.linearized(key, values[0])), failing
        return None, failing

    def agreement(self, student, ignored):
        """(params, keys, grads, why) where the submission's network and the contract's
        agree: these params, or with the biases the forward leaves out (`ignored`) set
        to zero; the keys judged there and the submission's grads there. None where they
        never agree."""
        if self.forward_error is None:
            return self.params, LAYER_KEYS, self.grads, ""
        if not ignored:
            return None
        params = carried.without(self.params, ignored)
        y_pred, cache, _ = student.forward(self.x, params)
        if not carried.agrees(y_pred, carried.activations(self.x, params)[-1]):
            return None
        grads, _ = student.backward(self.y, cache, params)
        keys = [key for key in LAYER_KEYS if key not in ignored]
        why = (f"compared where your network and the contract's agree, "
               f"{carried.biases_text(ignored)} (your forward leaves them out: forward's "
               "checks charge that), on the gradients your network has")
        return params, keys, grads, why

    def carried_reference(self, student, ignored):
        """A note when backward is right given the errors carried forward into it (see
        agreement and carried.given_own), else None."""
        failing = carried.failing_inputs(student)
        found = self.agreement(student, ignored)
        if found is None or (not failing and not found[3]):
            return None
        params, keys, grads, why = found
        outputs = carried.activations(self.x, params)
        contract = carried.chain_rule(outputs, params,
                                      carried.derivative_loss(outputs[-1], self.y, self.kind))
        own = (carried.given_own(student, failing, self.x, self.y, self.kind, params)
               if failing else contract)
        if own is None:
            return None

        def right(key, expected):
            return (grads[key].shape == expected[key].shape and not carried.proves_nothing(
                expected[key]) and rel_error(grads[key], expected[key]) < REFERENCE_TOLERANCE)

        # Each gradient is right as the contract's, or given the submission's own
        # derivative_loss (a 1/N put on the biases only makes db the first, dW the second).
        if not all(right(key, contract) or right(key, own) for key in keys):
            if why:
                self.judge_where_agreeing(student, (params, keys, grads, why),
                                          own if failing else contract)
            return None
        reasons = [why] if why else []
        if failing:
            reasons.append(carried.carried_text(failing))
        split = weights_and_biases({key: grads[key] for key in keys},
                                   {key: contract[key] for key in keys}, self.n) \
            if len(keys) == len(LAYER_KEYS) else None
        return "; ".join(reasons) + (line(split) if split else "")

    def judge_where_agreeing(self, student, found, expected):
        """Fail with the diagnosis of the gradients where the networks agree (found: see
        agreement), the way judge does on the case itself."""
        params, keys, grads, why = found
        view = copy.copy(self)
        view.params, view.grads, view.known_bugs = params, grads, []
        view.forward_error, view.prefix = None, f"{why[0].upper()}{why[1:]}: "
        for key in keys:
            view.judge(key, expected, REFERENCE_SOURCE, student.verdict("derivative_loss"))

    def lead(self, source=REFERENCE_SOURCE):
        """What a failure must say first: backward changed params, or forward is wrong
        (only where forward matters: finite differences are of the submission's own
        forward, so a wrong forward does not make them disagree with backward)."""
        if self.modified:
            changed = ", ".join(self.modified)
            if not any(name.startswith("params") for name in self.modified):
                return f"backward modified its {changed} in place; leave its inputs unchanged. "
            return (f"backward modified its {changed} in place, so the gradients below the "
                    "changed layer use the changed weights; compute every gradient first "
                    "and leave params to update(). ")
        if self.forward_error and (source != FD_SOURCE or self.left_out is None):
            return ("backward is judged on your own forward, and your forward fails here "
                    f"(y_pred {self.forward_error}): fix forward first. ")
        return self.prefix

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
            sign_cause=self.sign_cause(expected_all, derivative_loss_right), kind=self.kind)]
        shapes_right = all(self.grads[k].shape == expected_all[k].shape for k in expected_all)
        if shapes_right and not self.forward_error:
            hints += diagnose_gradients(self.grads, expected_all, self.known_bugs)
            hints.append(weights_and_biases(self.grads, expected_all, self.n))
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
            raise CheckFailed(f"{self.lead(source)}{label} has shape {shape_text(got.shape)}, "
                              f"expected {shape_text(expected.shape)} like {key} ({where})."
                              + (line(hint) if hint else ""))
        error = rel_error(got, expected)
        if error < (FD_TOLERANCE if source == FD_SOURCE else REFERENCE_TOLERANCE):
            return
        lines = [f"{self.lead(source)}{label} does not match {source} "
                 f"({error_summary(got, expected, self.n)}; {where}).",
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


def ignored_biases(finite_differences):
    """The biases the submission's forward does not depend on at all (zero finite
    differences): those a bias-free network leaves out."""
    try:
        numeric = finite_differences()
    except CheckFailed:
        return []
    return [key for key in LAYER_KEYS[1::2] if not np.any(np.abs(numeric[key]) > 1e-10)]


def judge_finite_differences(student, cases, finite_differences, key):
    """Fail unless grads[key] matches finite differences (or does once the errors of
    derivative_loss / derivative_sigmoid are carried forward); returns a note then."""
    current = cases(FD_WIDTHS, 7)
    numeric = finite_differences()
    cannot_tell = uninformative(numeric[key], "forward", key)
    if cannot_tell is not None:
        left_out = key[0] == "b" and student.verdict("forward") is False
        raise CheckFailed(
            f"{cannot_tell}, so this check cannot vouch for d{key}: fix forward first "
            "(each layer is a = z_prev @ W + b, z = sigmoid(a))" + (line(
                f"your forward leaves out {key} (forward's checks name it): the contract's "
                f"layers add their biases, and d{key} is the gradient with respect to that "
                "bias") if left_out else ""))
    try:
        current.judge(key, numeric, FD_SOURCE, student.verdict("derivative_loss"))
    except CheckFailed:
        expected, failing = current.carried_finite_differences(student, key)
        if expected is None or carried.proves_nothing(expected) or \
                current.grads[key].shape != expected.shape or \
                not rel_error(current.grads[key], expected) < FD_TOLERANCE:
            raise
        return carried.carried_text(failing)
    return None


def judge_reference(student, cases, finite_differences, widths, n):
    """Fail unless every gradient matches the reference (or does where the submission's
    network and the contract agree, its errors carried forward); returns a note then."""
    current = cases(widths, n)
    try:
        for key in LAYER_KEYS:
            current.judge(key, current.expected, REFERENCE_SOURCE,
                          student.verdict("derivative_loss"))
    except CheckFailed:
        if current.modified:
            raise
        note = current.carried_reference(student, ignored_biases(finite_differences))
        if note is None:
            raise
        return note
    return None


def require_working_backward(student, cases, finite_differences):
    """A property of backward earns its points only once a gradient check passes."""
    student.require_working(
        "backward",
        *[partial(judge_finite_differences, student, cases, finite_differences, key)
          for key in LAYER_KEYS],
        *[partial(judge_reference, student, cases, finite_differences, widths, n)
          for widths, n in REFERENCE_CASES])


@pytest.mark.parametrize("key", LAYER_KEYS)
@check("backward: d{key} matches finite differences (widths 2-3-5-1)", points=3)
def check_backward_finite_differences(student, cases, finite_differences, backprop_rule, note,
                                      key):
    with student.judging("backward"):
        carried_note = judge_finite_differences(student, cases, finite_differences, key)
        backprop_rule().require([key])
    if carried_note:
        note(carried_note)


@pytest.mark.parametrize(("widths", "n"), REFERENCE_CASES)
@check("backward: every gradient matches the reference (widths {widths}, N = {n})", points=5)
def check_backward_reference(student, cases, finite_differences, backprop_rule, note, widths,
                             n):
    with student.judging("backward"):
        carried_note = judge_reference(student, cases, finite_differences, widths, n)
        backprop_rule().require()
    if carried_note:
        note(carried_note)


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
