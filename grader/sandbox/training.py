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


def train(functions, x, y, params, lr, max_epochs, record=None):
    """Full-batch gradient descent until every prediction is right, or max_epochs.

    Args:
        functions: (forward, backward, update) with the contract's signatures.
        x: (N, 2); y: (N, 1) labels; params: the starting params dict; lr: learning rate.
        record: None, or a dict that receives the trajectory: "params" and "grads",
            {key: [float64 copy at each step]} for the keys of the starting params
            (copied before update runs, so an update in place changes no record).
    Returns:
        (epochs run, the params dict reached): after `epochs` updates the predictions of
        `functions`' own forward were all right, or the budget ran out.
    Raises:
        TrainingError when a function returns something of the wrong kind or shape.
    """
    forward_pass, backward, update = functions
    keys = list(params)
    classes = np.asarray(y) >= 0.5  # the labels' classes, the stop test's, once
    if record is not None:
        record.update(params={key: [] for key in keys}, grads={key: [] for key in keys})
    for epoch in range(max_epochs + 1):
        if record is not None:
            _keep(record["params"], params)
        result = forward_pass(x, params)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TrainingError(f"forward returned a {type(result).__name__}; "
                                "expected (y_pred, cache)")
        y_pred = np.array(result[0], dtype=np.float64)
        if y_pred.shape != y.shape:
            raise TrainingError(f"forward returned y_pred of shape {y_pred.shape}; "
                                f"expected {y.shape}")
        # Every class right (100 % accuracy), tested in one pass: it runs every epoch.
        if ((y_pred >= 0.5) == classes).all() or epoch == max_epochs:
            return epoch, params
        grads = backward(y, result[1], params)
        if not isinstance(grads, dict):
            raise TrainingError(f"backward returned a {type(grads).__name__}; "
                                "expected a dict of gradients")
        if record is not None:
            _keep(record["grads"], grads)
        params = update(params, grads, lr)
        if not isinstance(params, dict):
            raise TrainingError(f"update returned a {type(params).__name__}; "
                                "expected the new params dict")


def _keep(history, values):
    """Append a float64 copy of values[key] to history[key], for every key of history."""
    for key, kept in history.items():
        try:
            kept.append(np.array(values[key], dtype=np.float64))
        except (KeyError, TypeError, ValueError) as error:
            raise TrainingError(f"the params or grads of a training step have no usable "
                                f"{key} ({type(error).__name__})") from None
