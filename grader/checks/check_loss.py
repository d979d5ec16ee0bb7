"""loss and derivative_loss, for the loss the submission declares in LOSS."""

import numpy as np

from grader.session.cases import predictions
from grader.session.diagnosis import diagnose_parameter
from grader.session.gradcheck import finite_difference_gradient, rel_error
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.student import returned_text

TOLERANCE = 1e-7
FD_TOLERANCE = 1e-5
SIZES = (1, 7, 100)


@check("loss: matches the formula of the declared LOSS", points=4)
def check_loss_values(student, reference):
    kind = student.declared_loss()
    for n in SIZES:
        y_pred, y = predictions(n)
        answer = student.call("loss", y_pred, y)
        value = answer["value"]
        fail_unless(value["kind"] == "array" and value["array"].size == 1,
                    f"loss(y_pred, y) for N = {n} must return one number, "
                    f"it returned {returned_text(value)}")
        got, expected = float(value["array"].ravel()[0]), reference.loss(y_pred, y, kind)
        fail_unless(abs(got - expected) <= TOLERANCE * max(abs(expected), 1e-12),
                    f"loss gives {got:.10g} for N = {n}, expected {expected:.10g} "
                    f"(LOSS = {kind!r}: {FORMULAS[kind]})"
                    + factor_hint(np.array([got]), np.array([expected]), n, "loss"))


@check("loss: returns a single number, not an array", points=2)
def check_loss_scalar(student):
    student.declared_loss()
    y_pred, y = predictions(7)
    value = student.call("loss", y_pred, y)["value"]
    fail_unless(value["kind"] == "array" and value["array"].ndim == 0,
                f"loss returned {returned_text(value)}; return a float (np.mean gives one)")


@check("derivative_loss: matches finite differences of your loss", points=3)
def check_derivative_loss_fd(student):
    student.declared_loss()
    y_pred, y = predictions(7)
    got = student.array("derivative_loss", y_pred, y, shape=y_pred.shape)

    def student_losses(points):  # one request for all the shifted copies
        return [float(value.ravel()[0]) for value in student.arrays(
            "loss", [(point, y) for point in points])]

    numeric = finite_difference_gradient(student_losses, y_pred, batched=True)
    error = rel_error(got, numeric)
    fail_unless(error < FD_TOLERANCE,
                f"derivative_loss does not match finite differences of your loss "
                f"(relative error {error:.2g}).\n  got:      {np.round(got.ravel(), 5)}\n"
                f"  expected: {np.round(numeric.ravel(), 5)}{factor_hint(got, numeric, 7)}")


@check("derivative_loss: matches the formula of the declared LOSS, shape (N, 1)", points=3)
def check_derivative_loss_values(student, reference):
    kind = student.declared_loss()
    for n in SIZES:
        y_pred, y = predictions(n)
        got = student.array("derivative_loss", y_pred, y, shape=(n, 1))
        expected = reference.derivative_loss(y_pred, y, kind)
        error = rel_error(got, expected)
        if error >= TOLERANCE:
            raise CheckFailed(
                f"derivative_loss is wrong for N = {n} (relative error {error:.2g}); for "
                f"LOSS = {kind!r} it is {DERIVATIVES[kind]}.{factor_hint(got, expected, n)}")


FORMULAS = {"mse": "mean((y_pred - y) ** 2)",
            "bce": "-mean(y log y_pred + (1 - y) log(1 - y_pred))"}
DERIVATIVES = {"mse": "2 * (y_pred - y) / N",
               "bce": "(y_pred - y) / (y_pred * (1 - y_pred)) / N"}


def factor_hint(got, expected, n, label="derivative_loss"):
    """A sentence when got is expected times -1, N, 1/N, 2 or 1/2."""
    sentence = diagnose_parameter(label, got, expected, n)
    return f"\n  {sentence}" if sentence else ""
