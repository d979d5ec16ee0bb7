"""Bonus, outside the 100: the lab's extras, graded only when the submission has them.
What each is worth, and how bonus points count (grader.lab.BONUS), is set in grader/lab.py.

A bonus function that is missing or still raises NotImplementedError is skipped
silently: it appears nowhere in the results.
"""

import numpy as np
import pytest

from grader.lab import BONUS_POINTS, LAYER_KEYS
from grader.session.cases import random_params
from grader.session.diagnosis import error_summary
from grader.session.gradcheck import rel_error
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.outcome import line
from grader.session.student import expect_params, plain

TOLERANCE = 1e-9
X = np.linspace(-3.0, 3.0, 13).reshape(13, 1)
WIDTHS = (2, 3, 5, 1)


def bonus_call(student, function, *args):
    """student.call, but a function that is absent or a stub skips the check (one in a
    notebook cell skipped for a syntax error fails it, saying so)."""
    if function not in (student.info.get("functions") or ()) and not student.skipped_cell(
            function):
        pytest.skip(f"{function} is not written")
    try:
        return student.call(function, *args)
    except CheckFailed as error:
        if error.not_implemented:
            pytest.skip(f"{function} is not implemented")
        raise


def bonus_array(student, function, *args, expected, applied_again=None):
    """Fail unless function(*args) returns `expected`.

    applied_again: (what a derivative returns that applies its activation once more to
    the activation's output, the right formula in y), to name that mistake.
    """
    answer = bonus_call(student, function, *args)
    value = answer["value"]
    fail_unless(value["kind"] == "array" and np.shape(value["array"]) == expected.shape,
                f"{function} must return an array of shape {expected.shape}")
    got = plain(value["array"])
    activation = function.removeprefix("derivative_")
    if applied_again is not None:
        wrong, formula = applied_again
        fail_unless(not np.allclose(got, wrong, rtol=TOLERANCE),
                    f"{function} applies {activation} again" + line(
                        f"{function} receives {activation}'s OUTPUT y, so return {formula} "
                        f"without calling {activation}"))
    fail_unless(rel_error(got, expected) < TOLERANCE,
                f"{function} gives wrong values ({error_summary(got, expected)})")


@check("tanh: values and derivative_tanh(y) = 1 - y ** 2 (bonus)",
       points=BONUS_POINTS["tanh"], bonus=True)
def check_tanh(student):
    bonus_array(student, "tanh", X, expected=np.tanh(X))
    y = np.tanh(X)
    bonus_array(student, "derivative_tanh", y, expected=1.0 - y**2,
                applied_again=(1.0 - np.tanh(y) ** 2, "1 - y ** 2"))


@check("relu: values and derivative_relu(y) = 1 where y > 0 (bonus)",
       points=BONUS_POINTS["relu"], bonus=True)
def check_relu(student):
    bonus_array(student, "relu", X, expected=np.maximum(X, 0.0))
    y = np.maximum(X, 0.0)
    bonus_array(student, "derivative_relu", y, expected=(y > 0).astype(float))


@check("momentum_update: velocity = beta * velocity + grads, params - lr * velocity (bonus)",
       points=BONUS_POINTS["momentum_update"], bonus=True)
def check_momentum(student):
    params, grads = random_params(WIDTHS, 2), random_params(WIDTHS, 3)
    velocity = random_params(WIDTHS, 4)
    answer = bonus_call(student, "momentum_update", params, grads, velocity, 0.1, 0.8)
    new_params, new_velocity = expect_pair(answer, "momentum_update", params, 2)
    for key in LAYER_KEYS:
        step = 0.8 * velocity[key] + grads[key]
        fail_unless(rel_error(new_velocity[key], step) < TOLERANCE,
                    f"momentum_update's velocity[{key!r}] is wrong")
        fail_unless(rel_error(new_params[key], params[key] - 0.1 * step) < TOLERANCE,
                    f"momentum_update's params[{key!r}] is wrong")


@check("adam_update: bias-corrected moments and step (bonus)",
       points=BONUS_POINTS["adam_update"], bonus=True)
def check_adam(student):
    params, grads = random_params(WIDTHS, 2), random_params(WIDTHS, 3)
    m, v = random_params(WIDTHS, 5), {k: a**2 for k, a in random_params(WIDTHS, 6).items()}
    answer = bonus_call(student, "adam_update", params, grads, m, v, 3, 0.01)
    new_params, new_m, new_v = expect_pair(answer, "adam_update", params, 3)
    for key in LAYER_KEYS:
        m_next = 0.9 * m[key] + 0.1 * grads[key]
        v_next = 0.999 * v[key] + 0.001 * grads[key] ** 2
        step = (m_next / (1 - 0.9**3)) / (np.sqrt(v_next / (1 - 0.999**3)) + 1e-8)
        for name, got, expected in (("m", new_m, m_next), ("v", new_v, v_next),
                                    ("params", new_params, params[key] - 0.01 * step)):
            fail_unless(rel_error(got[key], expected) < TOLERANCE,
                        f"adam_update's {name}[{key!r}] is wrong")


def expect_pair(answer, function, params, count):
    """The `count` dicts of params' keys a bonus optimizer returned."""
    value = answer["value"]
    items = value.get("items") if value["kind"] == "tuple" else None
    fail_unless(items is not None and len(items) == count,
                f"{function} must return a tuple of {count} dicts")
    return [expect_params(function, item, params) for item in items]
