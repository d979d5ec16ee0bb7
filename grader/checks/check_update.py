"""update: one gradient-descent step, params - lr * grads, for every key."""

import numpy as np

from grader.lab import LAYER_KEYS
from grader.session.answers import expect_params
from grader.session.cases import random_params
from grader.session.gradcheck import rel_error
from grader.session.marker import CheckFailed, check
from grader.session.outcome import line

TOLERANCE = 1e-9
WIDTHS = (2, 3, 5, 1)


def judge_step(student, lr):
    """Fail unless update(params, grads, lr) returns params - lr * grads for every key."""
    params, grads = random_params(WIDTHS, seed=2), random_params(WIDTHS, seed=3)
    answer = student.call("update", params, grads, lr)
    new = expect_params("update", answer["value"], params)
    for key in LAYER_KEYS:
        expected = params[key] - lr * grads[key]
        if rel_error(new[key], expected) < TOLERANCE:
            continue
        message = (f"update(params, grads, lr={lr}) gives the wrong {key}: expected "
                   f"params[{key!r}] - lr * grads[{key!r}]")
        if rel_error(new[key], params[key] + lr * grads[key]) < TOLERANCE:
            message += line("update adds the step: gradient descent subtracts lr * grads (the "
                            "delta rule's W += lr * ..., with error = y - output, is the same "
                            "descent with the opposite sign; the contract's grads are d loss / "
                            "d params, and update subtracts them)")
        elif rel_error(new[key], params[key] - grads[key]) < TOLERANCE:
            message += line("update ignores lr: multiply the gradient by the learning rate")
        elif rel_error(new[key], params[key]) < TOLERANCE:
            message += line(f"{key} did not change at all")
        raise CheckFailed(message)


@check("update: returns params - lr * grads for every key", points=4)
def check_update_values(student):
    with student.judging("update"):
        judge_step(student, lr=0.5)


def steps(student, lr):
    """{key: params[key] - update(params, grads, lr)[key]}: how far update moves each."""
    params, grads = random_params(WIDTHS, seed=2), random_params(WIDTHS, seed=3)
    new = expect_params("update", student.call("update", params, grads, lr)["value"], params)
    return {key: params[key] - new[key] for key in LAYER_KEYS}


@check("update: uses the learning rate it is given", points=2)
def check_update_learning_rate(student):
    # Judged on the step's scaling alone: a step that is wrong in another way (a bias
    # left out, the sign) has lost the points of the values check already, once.
    with student.judging("update"):
        unit = steps(student, 1.0)
        if not any(np.any(step) for step in unit.values()):
            raise CheckFailed("update(params, grads, lr=1.0) changes no parameter: "
                              "expected params - lr * grads")
        for lr in (0.1, 3.0):
            for key, step in steps(student, lr).items():
                if rel_error(step, lr * unit[key]) >= TOLERANCE:
                    raise CheckFailed(
                        f"update(params, grads, lr={lr}) moves {key} by a step that is not "
                        f"{lr} times its step at lr=1.0: multiply the gradient by the "
                        "learning rate")
