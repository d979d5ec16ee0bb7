"""Error carried forward: what a function should return, given the errors of the functions
it builds on, so that one mistake costs once.

backward starts from derivative_loss and multiplies by derivative_sigmoid at every layer.
When either fails its own checks, backward's chain rule is judged on what it does with
them: the contract's chain rule is run here, in the grader, on the submission's own
derivative_loss and derivative_sigmoid values (raw numbers asked of the worker), and
backward must match that. Where the submission's network differs from the contract's (a
forward without biases), backward is compared where the two agree (those biases zero).

The math here is the contract's, written in grader code (the network's activations are
grader.session.network's): nothing of the submission decides what "right" is, and no
stored reference value is needed for inputs the reference never saw.
"""

import itertools

import numpy as np

from grader.lab import LAYERS
from grader.session.gradcheck import rel_error
from grader.session.marker import CheckFailed
from grader.session.network import activations

# The functions backward builds on, whose own errors are carried forward into it.
BUILDS_ON = ("derivative_loss", "derivative_sigmoid")
AGREE = 1e-7  # relative error under which two networks' outputs are the same (forward's)
EMPTY = 1e-12  # a gradient below this norm proves nothing (a placeholder's zeros)


def derivative_loss(y_pred, y, kind):
    """The contract's d loss / d y_pred, (N, 1), for the declared LOSS."""
    per_sample = 1.0 / len(y_pred)
    if kind == "bce":
        p = np.clip(y_pred, 1e-12, 1.0 - 1e-12)
        return per_sample * (p - y) / (p * (1.0 - p))
    return per_sample * 2.0 * (y_pred - y)


def chain_rule(outputs, params, d_loss, slopes=None):
    """The contract's backward from any starting gradient and any sigmoid slopes.

    Args:
        outputs: activations(x, params) of the network.
        params: the parameters.
        d_loss: d loss / d y_pred to start from, (N, 1).
        slopes: [d z / d a of layers 1, 2, 3], each shaped like that layer's z (None:
            the contract's z * (1 - z)).

    Returns:
        grads dict.
    """
    if slopes is None:
        slopes = [z * (1.0 - z) for z in outputs[1:]]
    delta = d_loss * slopes[2]
    grads = {}
    for layer in (3, 2, 1):
        w_key, b_key = LAYERS[layer - 1]
        grads[w_key] = outputs[layer - 1].T @ delta
        grads[b_key] = delta.sum(axis=0, keepdims=True)
        if layer > 1:
            delta = (delta @ params[w_key].T) * slopes[layer - 2]
    return grads


def proves_nothing(values):
    """True when an expectation cannot vouch for anything: not finite, or all zeros."""
    values = np.asarray(values, np.float64)
    return not np.all(np.isfinite(values)) or float(np.linalg.norm(values)) < EMPTY


def agrees(got, expected):
    return rel_error(got, expected) < AGREE


def without(params, keys):
    """params with the arrays of `keys` set to zeros (the others shared, not copied)."""
    return {key: np.zeros_like(value) if key in keys else value
            for key, value in params.items()}


def biases_text(keys):
    return ", ".join(keys) + (" = 0" if len(keys) == 1 else " all 0")


def left_out_biases(x, params, y_pred):
    """The fewest biases with which the contract's network gives y_pred when they are set
    to zero (a forward that leaves them out), as a tuple; None when no such set does."""
    biases = [b_key for _, b_key in LAYERS]
    for count in range(1, len(biases) + 1):
        for left_out in itertools.combinations(biases, count):
            if agrees(y_pred, activations(x, without(params, left_out))[-1]):
                return left_out
    return None


def failing_inputs(student):
    """The functions backward builds on that failed their own checks in this grade."""
    return [name for name in BUILDS_ON if student.verdict(name) is False]


def own_values(student, failing, y, kind, y_pred, outputs):
    """(d_loss, slopes): the submission's own derivative_loss at y_pred and
    derivative_sigmoid at the layers' outputs (z1, z2, y_pred) where they are in
    `failing`, else the contract's (slopes None). None when they cannot vouch for
    anything (a call fails, or gives zeros or NaN)."""
    try:
        d_loss = (student.array("derivative_loss", y_pred, y, shape=y.shape)
                  if "derivative_loss" in failing else derivative_loss(y_pred, y, kind))
        slopes = ([student.array("derivative_sigmoid", z, shape=z.shape) for z in outputs[1:]]
                  if "derivative_sigmoid" in failing else None)
    except CheckFailed:
        return None
    if proves_nothing(d_loss) or any(map(proves_nothing, slopes or ())):
        return None
    return d_loss, slopes


def given_own(student, failing, x, y, kind, params):
    """The contract's chain rule at params run on the submission's own failing
    derivative_loss / derivative_sigmoid: what a right backward returns given them.
    None when they cannot vouch for anything."""
    outputs = activations(x, params)
    values = own_values(student, failing, y, kind, outputs[-1], outputs)
    return None if values is None else chain_rule(outputs, params, *values)


def carried_text(failing):
    """The note of a gradient check passed with the errors of `failing` carried forward."""
    names = " and ".join(failing)
    return (f"right given your own {names}, whose error is charged in "
            f"{'its' if len(failing) == 1 else 'their'} own checks, not again here: "
            "your chain rule is right")
