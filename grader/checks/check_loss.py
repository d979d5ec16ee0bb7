"""loss and derivative_loss, for the loss the submission declares in LOSS."""

import numpy as np

from grader.session.answers import plain, returned_text
from grader.session.cases import predictions
from grader.session.diagnosis import error_summary, scaled_over_sizes
from grader.session.gradcheck import finite_difference_gradient, rel_error, uninformative
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.outcome import line
from grader.session.reference import loss_value

TOLERANCE = 1e-7
FD_TOLERANCE = 1e-5
SIZES = (1, 7, 100)


def one_number(student, n):
    """loss(y_pred, y) on the fixed predictions of size n, as a float (CheckFailed if it
    is not one number)."""
    y_pred, y = predictions(n)
    value = student.call("loss", y_pred, y)["value"]
    fail_unless(value["kind"] == "array" and np.size(value["array"]) == 1,
                f"loss(y_pred, y) for N = {n} must return one number, "
                f"it returned {returned_text(value)}")
    return float(plain(value["array"]).ravel()[0])


def loss_values(student, reference):
    kind = student.declared_loss()
    wrong = []  # (got, expected, n) of every N the loss is wrong for
    for n in SIZES:
        y_pred, y = predictions(n)
        got, expected = one_number(student, n), reference.loss(y_pred, y, kind)
        fail_unless(np.isfinite(got), f"loss returned {got} for N = {n}; it must be finite "
                                      f"(LOSS = {kind!r}: {FORMULAS[kind]})")
        if not abs(got - expected) <= TOLERANCE * max(abs(expected), 1e-12):
            wrong.append((np.array([got]), np.array([expected]), n))
    if wrong:
        values = "; ".join(f"{got[0]:.10g} for N = {n}, expected {expected[0]:.10g}"
                           for got, expected, n in wrong)
        raise CheckFailed(f"loss gives {values} (LOSS = {kind!r}: {FORMULAS[kind]})"
                          + factor_hint(wrong, "loss", kind) + spelling_hint(student))


def derivative_loss_values(student, reference):
    kind = student.declared_loss()
    wrong = []
    for n in SIZES:
        y_pred, y = predictions(n)
        got = student.array("derivative_loss", y_pred, y, shape=(n, 1))
        expected = reference.derivative_loss(y_pred, y, kind)
        if not rel_error(got, expected) < TOLERANCE:
            wrong.append((got, expected, n))
    if wrong:
        sizes = ", ".join(f"N = {n} ({error_summary(got, expected, n)})"
                          for got, expected, n in wrong)
        raise CheckFailed(
            f"derivative_loss is wrong for {sizes}; for LOSS = {kind!r} it is "
            f"{DERIVATIVES[kind]}.{factor_hint(wrong, 'derivative_loss', kind)}"
            + spelling_hint(student))


@check("loss: matches the formula of the declared LOSS", points=4)
def check_loss_values(student, reference):
    with student.judging("loss"):
        loss_values(student, reference)


@check("loss: returns a single number, not an array", points=2)
def check_loss_scalar(student, reference):
    student.declared_loss()
    y_pred, y = predictions(7)
    value = student.call("loss", y_pred, y)["value"]
    fail_unless(value["kind"] == "array" and np.ndim(value["array"]) == 0,
                f"loss returned {returned_text(value)}; return a float (np.mean gives one)")
    student.require_working("loss", lambda: loss_values(student, reference))


@check("derivative_loss: matches finite differences of your loss", points=3)
def check_derivative_loss_fd(student):
    """derivative_loss against finite differences of the submission's own loss, which
    training uses; when that loss is wrong (the loss checks say so), of the declared
    LOSS's formula instead, so that a wrong loss does not cost derivative_loss too."""
    kind = student.declared_loss()
    y_pred, y = predictions(7)
    with student.judging("derivative_loss"):
        got = student.array("derivative_loss", y_pred, y, shape=y_pred.shape)

        def student_losses(points):  # one request for all the shifted copies
            return [float(value.ravel()[0]) for value in student.arrays(
                "loss", [(point, y) for point in points], finite=False)]

        expected = loss_value(y_pred, y, kind)
        own = student_losses([y_pred])[0]
        if abs(own - expected) <= TOLERANCE * max(abs(expected), 1e-12):
            losses, whose = student_losses, "your loss"
        else:
            def losses(points):
                return [loss_value(point, y, kind) for point in points]

            whose = (f"the declared LOSS ({kind!r}: {FORMULAS[kind]}; your loss is wrong, "
                     "see the loss checks)")
        numeric = finite_difference_gradient(losses, y_pred, batched=True)
        cannot_tell = uninformative(numeric, "loss", "y_pred")
        fail_unless(cannot_tell is None, f"{cannot_tell}, so this check cannot vouch for "
                                         "derivative_loss: fix loss first")
        error = rel_error(got, numeric)
        fail_unless(error < FD_TOLERANCE,
                    f"derivative_loss does not match finite differences of {whose} "
                    f"({error_summary(got, numeric, 7)}).\n  got:      {np.round(got.ravel(), 5)}\n"
                    f"  expected: {np.round(numeric.ravel(), 5)}"
                    + factor_hint([(got, numeric, 7)], "derivative_loss", kind))


@check("derivative_loss: matches the formula of the declared LOSS, shape (N, 1)", points=3)
def check_derivative_loss_values(student, reference):
    with student.judging("derivative_loss"):
        derivative_loss_values(student, reference)


FORMULAS = {"mse": "mean((y_pred - y) ** 2)",
            "bce": "-mean(y log y_pred + (1 - y) log(1 - y_pred))"}
DERIVATIVES = {"mse": "2 * (y_pred - y) / N",
               "bce": "(y_pred - y) / (y_pred * (1 - y_pred)) / N"}


def factor_hint(wrong, label, kind):
    """A diagnosis line when the values are one factor (-1, N, 2, N/2, ...) times the right
    ones at every failing N, naming the convention behind it for the declared LOSS (or
    each N's factor when they differ); wrong: [(got, expected, n)]."""
    what = "loss" if label == "loss" else "derivative"
    sentence = scaled_over_sizes(label, wrong, what=what, kind=kind)
    return line(sentence) if sentence else ""


def spelling_hint(student):
    sentence = student.loss_spelling()
    return line(sentence) if sentence else ""
