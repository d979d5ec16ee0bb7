"""Bonus, outside the 100: the lab's extras, graded only when the submission has them.
What each is worth, and how bonus points count (grader.lab.BONUS), is set in grader/lab.py.

A bonus function that is missing or still raises NotImplementedError is skipped
silently: it appears nowhere in the results.
"""

import numpy as np
import pytest

from grader.lab import BONUS_POINTS, LAYER_KEYS
from grader.session.answers import expect_params, plain
from grader.session.cases import random_params
from grader.session.conventions import Scale, convention
from grader.session.diagnosis import error_summary
from grader.session.gradcheck import rel_error
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.outcome import line

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
                f"{function} gives wrong values ({error_summary(got, expected)})"
                + where_wrong(got, expected, args[0]))


def where_wrong(got, expected, given):
    """The values at the worst input, and the one input value where every wrong value
    lies when there is one (a ReLU's derivative wrong only at 0)."""
    wrong = ~np.isclose(got, expected, rtol=TOLERANCE, atol=1e-12)
    worst = int(np.argmax(np.where(wrong, np.abs(got - expected), -1.0)))
    text = (f". For input {given.ravel()[worst]:g} it returned {got.ravel()[worst]:.10g}, "
            f"expected {expected.ravel()[worst]:.10g}")
    inputs = np.unique(given[wrong])
    if len(inputs) == 1 and wrong.sum() < wrong.size:
        text += line(f"it is wrong only at the input {inputs[0]:g}, right everywhere else: "
                     f"look at how that one value is handled (a comparison with > versus "
                     ">=, say)")
    return text


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
        for name, got, expected in (("velocity", new_velocity, step),
                                    ("params", new_params, params[key] - 0.1 * step)):
            if not rel_error(got[key], expected) < TOLERANCE:
                raise CheckFailed(
                    f"momentum_update's {name}[{key!r}] is wrong "
                    f"({got_expected(got[key], expected)})"
                    + momentum_cause(student, params, grads, velocity, new_velocity))


def momentum_cause(student, params, grads, velocity, new_velocity):
    """The one cause of a wrong momentum step, as a diagnosis line ("" when none fits)."""
    if all(rel_error(new_velocity[k], grads[k]) < TOLERANCE for k in LAYER_KEYS):
        return line("momentum_update ignores the velocity it is given: the new velocity is beta * "
                    "velocity + grads, from the velocity passed in (zeros only at the start)")
    for scale in (Scale(-1, 0, 0, 1), Scale(1, 0, 0, 1)):  # lr folded into the velocity
        own = {k: scale.value(1, 0.1) * v for k, v in velocity.items()}
        try:
            answer = student.call("momentum_update", params, grads, own, 0.1, 0.8)
            again_params, again_velocity = expect_pair(answer, "momentum_update", params, 2)
        except CheckFailed:
            return ""
        if all(rel_error(again_velocity[k], scale.value(1, 0.1) * (0.8 * velocity[k] + grads[k]))
               < TOLERANCE and rel_error(again_params[k], params[k] - 0.1 * (
                   0.8 * velocity[k] + grads[k])) < TOLERANCE for k in LAYER_KEYS):
            return line(f"your velocity is {scale.text()} times the contract's, and given a "
                        f"velocity of that kind your params are right: "
                        f"{convention(scale, 'velocity')}")
    return ""


def got_expected(got, expected):
    """The first wrong entry of an array, as "got 0.31, expected 0.27"."""
    index = int(np.argmax(~np.isclose(got, expected, rtol=TOLERANCE, atol=1e-12)))
    return f"got {got.ravel()[index]:.6g}, expected {expected.ravel()[index]:.6g}"


@check("adam_update: bias-corrected moments and step (bonus)",
       points=BONUS_POINTS["adam_update"], bonus=True)
def check_adam(student):
    params, grads = random_params(WIDTHS, 2), random_params(WIDTHS, 3)
    m, v = random_params(WIDTHS, 5), {k: a**2 for k, a in random_params(WIDTHS, 6).items()}
    answer = bonus_call(student, "adam_update", params, grads, m, v, 3, 0.01)
    new_params, new_m, new_v = expect_pair(answer, "adam_update", params, 3)
    for key in LAYER_KEYS:
        m_next, v_next, stepped = adam_step(params, grads, m, v, 3, key)
        for name, got, expected in (("m", new_m, m_next), ("v", new_v, v_next),
                                    ("params", new_params, stepped)):
            if not rel_error(got[key], expected) < TOLERANCE:
                raise CheckFailed(f"adam_update's {name}[{key!r}] is wrong "
                                  f"({got_expected(got[key], expected)})"
                                  + adam_cause(params, grads, m, v, (new_params, new_m, new_v)))


def adam_step(params, grads, m, v, t, key):
    """(m, v, params) of the contract's Adam step t for one key; t None: no bias
    correction."""
    m_next = 0.9 * m[key] + 0.1 * grads[key]
    v_next = 0.999 * v[key] + 0.001 * grads[key] ** 2
    m_hat = m_next / (1 - 0.9**t) if t is not None else m_next
    v_hat = v_next / (1 - 0.999**t) if t is not None else v_next
    return m_next, v_next, params[key] - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)


def adam_cause(params, grads, m, v, returned):
    """A diagnosis line when the params are those of another step count's bias
    correction (or of none), the moments right: the one place the error sits."""
    new_params, new_m, new_v = returned
    if not all(rel_error(new_m[k], adam_step(params, grads, m, v, 3, k)[0]) < TOLERANCE and
               rel_error(new_v[k], adam_step(params, grads, m, v, 3, k)[1]) < TOLERANCE
               for k in LAYER_KEYS):
        return ""
    for t, words in ((4, "t + 1 = 4"), (2, "t - 1 = 2"), (None, "no bias correction")):
        if all(rel_error(new_params[k], adam_step(params, grads, m, v, t, k)[2]) < TOLERANCE
               for k in LAYER_KEYS):
            used = "no bias correction at all" if t is None else f"the step count {words}"
            return line(f"the moments are right but the step uses {used}, where this is step "
                        "t = 3: m_hat = m / (1 - beta1 ** t), v_hat = v / (1 - beta2 ** t) "
                        "with the t passed in")
    return ""


def expect_pair(answer, function, params, count):
    """The `count` dicts of params' keys a bonus optimizer returned."""
    value = answer["value"]
    items = value.get("items") if value["kind"] == "tuple" else None
    fail_unless(items is not None and len(items) == count,
                f"{function} must return a tuple of {count} dicts")
    return [expect_params(function, item, params) for item in items]
