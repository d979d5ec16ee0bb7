"""update: one gradient-descent step, params - lr * grads, for every key."""

from grader.lab import LAYER_KEYS
from grader.session.cases import random_params
from grader.session.gradcheck import rel_error
from grader.session.marker import CheckFailed, check
from grader.session.outcome import line
from grader.session.student import expect_params

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
            message += line("it adds the step: gradient descent subtracts lr * grads (the "
                            "delta rule's W += lr * ..., with error = y - output, is the same "
                            "descent with the opposite sign; the contract's grads are d loss / "
                            "d params, and update subtracts them)")
        elif rel_error(new[key], params[key] - grads[key]) < TOLERANCE:
            message += line("it ignores lr: multiply the gradient by the learning rate")
        elif rel_error(new[key], params[key]) < TOLERANCE:
            message += line(f"{key} did not change at all")
        raise CheckFailed(message)


@check("update: returns params - lr * grads for every key", points=4)
def check_update_values(student):
    with student.judging("update"):
        judge_step(student, lr=0.5)


@check("update: uses the learning rate it is given", points=2)
def check_update_learning_rate(student):
    with student.judging("update"):
        for lr in (0.1, 3.0):
            judge_step(student, lr)
