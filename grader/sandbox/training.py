"""The grader's one training loop.

`train` drives any forward/backward/update triple: the worker runs it on a submission's
functions (convergence and the hidden convergence check), the hidden checks run it on the
reference's. The grader judges what was trained with its own network
(grader.session.network), which stays out of the worker's reach.

This module travels into the sandbox with the worker: it imports numpy only.
"""

import numpy as np


class TrainingError(Exception):
    """A contract function returned something the training loop cannot use."""


def accuracy(y_pred, y):
    """Fraction of samples whose class (y_pred >= 0.5) matches the label y; (N, 1) each."""
    return float(np.mean((np.asarray(y_pred) >= 0.5) == (np.asarray(y) >= 0.5)))


def train(functions, x, y, params, lr, max_epochs):
    """Full-batch gradient descent until every prediction is right, or max_epochs.

    Args:
        functions: (forward, backward, update) with the contract's signatures.
        x: (N, 2); y: (N, 1) labels; params: the starting params dict; lr: learning rate.
    Returns:
        (epochs run, the params dict reached): after `epochs` updates the predictions of
        `functions`' own forward were all right, or the budget ran out.
    Raises:
        TrainingError when a function returns something of the wrong kind or shape.
    """
    forward_pass, backward, update = functions
    for epoch in range(max_epochs + 1):
        result = forward_pass(x, params)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TrainingError(f"forward returned a {type(result).__name__}; "
                                "expected (y_pred, cache)")
        y_pred = np.array(result[0], dtype=np.float64)
        if y_pred.shape != y.shape:
            raise TrainingError(f"forward returned y_pred of shape {y_pred.shape}; "
                                f"expected {y.shape}")
        if accuracy(y_pred, y) == 1.0 or epoch == max_epochs:
            return epoch, params
        grads = backward(y, result[1], params)
        if not isinstance(grads, dict):
            raise TrainingError(f"backward returned a {type(grads).__name__}; "
                                "expected a dict of gradients")
        params = update(params, grads, lr)
        if not isinstance(params, dict):
            raise TrainingError(f"update returned a {type(params).__name__}; "
                                "expected the new params dict")
