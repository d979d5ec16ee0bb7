"""sigmoid and derivative_sigmoid."""

import numpy as np

from grader.session.diagnosis import diagnose_parameter, error_summary
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.outcome import line

TOLERANCE = 1e-7
GRID = np.linspace(-10.0, 10.0, 41).reshape(41, 1)
EXTREMES = np.array([[-1000.0, -745.0, -50.0, 0.0, 50.0, 745.0, 1000.0]])
OUTPUTS = np.linspace(0.01, 0.99, 25).reshape(5, 5)


def compare(function, got, expected, given, tolerance=TOLERANCE):
    """Fail, naming the worst input, when got (shaped like expected) differs from it.

    NaN and inf never match (np.allclose is false for them).
    """
    if got.shape == expected.shape and np.allclose(got, expected, rtol=tolerance, atol=1e-12):
        return
    difference = np.abs(got - expected)
    worst = int(np.argmax(np.where(np.isfinite(difference), difference, np.inf)))
    hint = diagnose_parameter(function, got, expected, n=got.size)
    raise CheckFailed(
        f"{function} gives wrong values ({error_summary(got, expected)}). For input "
        f"{given.ravel()[worst]:g} it returned {got.ravel()[worst]:.10g}, expected "
        f"{expected.ravel()[worst]:.10g}" + (line(hint) if hint else ""))


def sigmoid_values(student, reference):
    got = student.array("sigmoid", GRID, shape=GRID.shape)
    compare("sigmoid", got, reference.sigmoid(GRID), GRID)


def derivative_sigmoid_values(student, reference):
    got = student.array("derivative_sigmoid", OUTPUTS, shape=OUTPUTS.shape)
    on_input = reference.derivative_sigmoid(reference.sigmoid(OUTPUTS))
    if np.allclose(got, on_input, rtol=TOLERANCE):
        raise CheckFailed("derivative_sigmoid applies the sigmoid again" + line(
            "derivative_sigmoid receives the sigmoid's OUTPUT y, so return y * (1 - y) "
            "without calling sigmoid"))
    compare("derivative_sigmoid", got, reference.derivative_sigmoid(OUTPUTS), OUTPUTS)


@check("sigmoid: values on a grid from -10 to 10", points=3)
def check_sigmoid_values(student, reference):
    with student.judging("sigmoid"):
        sigmoid_values(student, reference)


@check("sigmoid: finite and right at x = +-50, +-745, +-1000", points=2)
def check_sigmoid_extremes(student, reference):
    with student.judging("sigmoid"):
        got = student.array("sigmoid", EXTREMES, shape=EXTREMES.shape, finite=False)
        fail_unless(np.all(np.isfinite(got)),
                    "sigmoid returned NaN or inf for large |x|; compute it stably, for example "
                    "with np.exp(-np.logaddexp(0, -x)) or separately for x >= 0 and x < 0")
        compare("sigmoid", got, reference.sigmoid(EXTREMES), EXTREMES)


@check("sigmoid: keeps the input's shape", points=2)
def check_sigmoid_shape(student, reference):
    for shape in [(7, 1), (3, 4), (5,)]:
        student.array("sigmoid", np.zeros(shape), shape=shape)
    student.require_working("sigmoid", lambda: sigmoid_values(student, reference))


@check("derivative_sigmoid: returns y * (1 - y) of the sigmoid's output y", points=4)
def check_derivative_sigmoid_values(student, reference):
    with student.judging("derivative_sigmoid"):
        derivative_sigmoid_values(student, reference)


@check("derivative_sigmoid: keeps the input's shape", points=1)
def check_derivative_sigmoid_shape(student, reference):
    for shape in [(7, 1), (3, 4)]:
        student.array("derivative_sigmoid", np.full(shape, 0.5), shape=shape)
    student.require_working("derivative_sigmoid",
                            lambda: derivative_sigmoid_values(student, reference))
