"""Convergence with an error carried forward: training again at the learning rate that
undoes a fixed multiple on the submission's step.

A ½·Σ loss, a sum instead of a mean, error = y - output with W += lr * dW: each makes
the step that backward and update take together a fixed multiple of the contract's, and
is charged in the checks of the functions that have it. Trained at lr / multiple, such a
submission's training is the contract's, so convergence judges that training instead of
charging the same mistake again. A negative multiple (gradient ascent) is never
retrained: no learning rate turns it into descent.
"""

import numpy as np

from grader.lab import LAYER_KEYS
from grader.session import carried, network
from grader.session.answers import expect_params
from grader.session.conventions import factor, factor_words, scale_between
from grader.session.marker import CheckFailed

# The functions whose own checks charge a multiple on the step.
CHARGED = ("derivative_loss", "derivative_sigmoid", "backward", "update")


def step_scale(student, x, y, params):
    """(the Scale of the submission's step against the contract's, N) when every
    gradient of its backward is one fixed multiple of the contract's on this data and
    update subtracts or adds lr * grads; else None."""
    kind = student.declared_loss()
    y_pred, cache, _ = student.forward(x, params)
    outputs = carried.activations(x, params)
    if not carried.agrees(y_pred, outputs[-1]):
        return None
    grads, _ = student.backward(y, cache, params)
    expected = carried.chain_rule(outputs, params,
                                  carried.derivative_loss(outputs[-1], y, kind))
    if any(grads[key].shape != expected[key].shape for key in LAYER_KEYS):
        return None
    scale = scale_between([(grads[key], expected[key], len(x)) for key in LAYER_KEYS])
    stepped = expect_params("update", student.call("update", params, expected, 1.0)["value"],
                            params)
    direction = factor(np.concatenate([(params[k] - stepped[k]).ravel() for k in LAYER_KEYS]),
                       np.concatenate([expected[k].ravel() for k in LAYER_KEYS]))
    if scale is None or direction is None or abs(abs(direction) - 1.0) > 1e-6:
        return None
    return scale, round(direction)


def retrained(student, x, y, params, learning_rate, budget, timeout):
    """A note when training from params converges at the learning rate that undoes a
    fixed multiple on the submission's step (charged in the checks of the functions that
    make it), else None."""
    if all(student.verdict(name) is not False for name in CHARGED):
        return None
    try:
        found = step_scale(student, x, y, params)
        if found is None:
            return None
        scale, direction = found
        multiple = scale.value(len(x)) * direction
        if multiple <= 0 or abs(multiple - 1.0) < 1e-9:
            return None
        epochs, trained = student.train(x, y, params, lr=learning_rate / multiple,
                                        max_epochs=budget, timeout=timeout)
    except CheckFailed:
        return None
    if network.accuracy(network.forward(x, trained), y) < 1.0:
        return None
    words = factor_words(scale, len(x))
    update_words = " and update adds the step" if direction < 0 else ""
    return (f"100 % after {epochs} epochs at lr {learning_rate:g} / {multiple:.4g}: your "
            f"gradients are the contract's but {words.removeprefix('is ')}{update_words} "
            "(charged in those functions' own checks, not again here), so they are trained "
            "at the learning rate that makes your step the contract's")
