"""Whether trained params come from the submission's own gradient descent.

The worker runs the grader's training loop (grader.sandbox.training) on the submission's
forward, backward and update, and sends back every step: the params it started from and
the grads backward gave there. Nothing of that is taken on trust: here, in the grader's
own process, the trajectory must start from the grader's initial params, every step must
be update's contract (params - lr * grads, or + for an update that adds its step), every
grads, key by key, one fixed multiple of the gradient of the declared loss at that step's
params (grader.session.network, all steps at once; a multiple such as a sum instead of a
mean, or a bias gradient averaged, is charged in the checks of the functions that make
it), with the steps going down the loss, and the params returned must be the last step's
(a backward charged in its own checks, or built on a derivative charged in its own, need
only go down the loss at every step: its error is carried forward, not charged again).
So params that training did not produce (stored ones, an update that ignores its grads,
a backward steering to a chosen point) earn nothing.
"""

import numpy as np

from grader.lab import LAYER_KEYS
from grader.session import network
from grader.session.marker import CheckFailed

GRADIENT_TOLERANCE = 1e-6  # as backward's comparison with the reference
STEP_RTOL, STEP_ATOL = 1e-9, 1e-12


def _stack(trajectory, part, key, steps, shape):
    """The (steps, *shape) float64 history of one key, or CheckFailed."""
    array = trajectory.get(part, {}).get(key)
    if array is None or np.shape(array) != (steps, *shape):
        raise CheckFailed(f"the training loop's {part} of {key} do not have one {shape} "
                          "array per step; the trained params cannot be checked")
    return np.array(array, dtype=np.float64)


def check_trajectory(trajectory, epochs, x, y, initial, lr, kind, trained, carried=False):
    """Fail unless trained is what `epochs` steps of gradient descent make of initial.

    With carried (backward, or a derivative it builds on, fails its own checks, which
    charge its error), its grads need not be the gradient: every step must still go down
    the loss (error carried forward).

    Args:
        trajectory: {"params": {key: (epochs + 1, *shape)}, "grads": {key: (epochs,
            *shape)}} as the worker sent it; x (N, 2), y (N, 1); initial: the params the
            grader started from; lr; kind: the declared loss; trained: the params returned.
    """
    params = {key: _stack(trajectory, "params", key, epochs + 1, initial[key].shape)
              for key in LAYER_KEYS}
    grads = {key: _stack(trajectory, "grads", key, epochs, initial[key].shape)
             for key in LAYER_KEYS}
    if not all(np.array_equal(params[key][0], initial[key]) for key in LAYER_KEYS):
        raise CheckFailed("training did not start from the grader's initial params")
    if not all(np.array_equal(params[key][-1], trained[key]) for key in LAYER_KEYS):
        raise CheckFailed("the params returned are not those of the training's last step")
    sign = _update_sign(params, grads, lr, epochs)
    if epochs and carried:
        _check_descent(params, grads, epochs, x, y, kind, sign)
    elif epochs:
        _check_gradients(params, grads, epochs, x, y, kind, sign)


def _check_descent(params, grads, epochs, x, y, kind, sign):
    """Fail at the first step that does not go down the loss: its step (sign * lr *
    grads) has no negative inner product with the gradient at its params."""
    expected = network.backward(x, y, {key: params[key][:epochs] for key in LAYER_KEYS}, kind)
    slope = sum(np.einsum("ij,ij->i", grads[key].reshape(epochs, -1),
                          expected[key].reshape(epochs, -1)) for key in LAYER_KEYS)
    climbing = np.flatnonzero(sign * slope >= 0)
    if climbing.size:
        raise CheckFailed(f"at epoch {int(climbing[0]) + 1} the training step does not go down "
                          f"the {kind.upper()} loss: it climbs it")


def _stepped(params, grads, lr, sign, steps):
    """(steps,) bool: whether each of the first `steps` steps is params + sign * lr * grads
    for every key (np.allclose of each step, all steps in one pass)."""
    right = np.ones(steps, dtype=bool)
    for key in LAYER_KEYS:
        close = np.isclose(params[key][1:steps + 1],
                           params[key][:steps] + sign * lr * grads[key][:steps],
                           rtol=STEP_RTOL, atol=STEP_ATOL)
        right &= close.all(axis=tuple(range(1, close.ndim)))
    return right


def _update_sign(params, grads, lr, epochs):
    """-1 when every step is params - lr * grads, +1 when every one adds; else CheckFailed."""
    sign = -1.0 if not epochs or _stepped(params, grads, lr, -1.0, 1)[0] else 1.0
    wrong = np.flatnonzero(~_stepped(params, grads, lr, sign, epochs))
    if wrong.size:
        raise CheckFailed(f"at epoch {int(wrong[0]) + 1} update did not return params - lr * "
                          "grads of that step (see update's checks): the trained params "
                          "are credited only to gradient descent")
    return sign


def _check_gradients(params, grads, epochs, x, y, kind, sign):
    """Fail at the first step whose grads are not, key by key, the one multiple of the
    gradient at its params that the first step shows (a bias gradient averaged instead
    of summed is one: charged in backward's checks, not here), or when a key's steps
    climb the loss."""
    expected = network.backward(x, y, {key: params[key][:epochs] for key in LAYER_KEYS}, kind)
    got, scaled = [], []
    for key in LAYER_KEYS:
        mine, right = grads[key].reshape(epochs, -1), expected[key].reshape(epochs, -1)
        if not mine.any():
            continue  # a key the submission never trains (a network without biases)
        multiple = float(mine[0] @ right[0] / max(right[0] @ right[0], 1e-300))
        if sign * multiple >= 0:
            raise CheckFailed(f"the first training step does not go down the loss in {key}: "
                              "it climbs it")
        got.append(mine)
        scaled.append(multiple * right)
    if not got:
        return
    got, scaled = np.concatenate(got, axis=1), np.concatenate(scaled, axis=1)
    errors = np.linalg.norm(got - scaled, axis=1) / np.maximum(
        np.linalg.norm(got, axis=1) + np.linalg.norm(scaled, axis=1), 1e-8)
    wrong = np.flatnonzero(errors >= GRADIENT_TOLERANCE)
    if wrong.size:
        epoch = int(wrong[0])
        raise CheckFailed(f"at epoch {epoch + 1} the grads backward gave are not the gradient "
                          f"of the {kind.upper()} loss at that step's params (relative error "
                          f"{errors[epoch]:.2g}; see backward's checks): the trained params "
                          "are credited only to gradient descent with the gradient")
