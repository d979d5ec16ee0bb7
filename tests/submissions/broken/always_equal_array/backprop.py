"""Broken (cheating): every result is an ndarray subclass whose == is always true.

Expected: 0 points. The grader converts every returned value to a plain float64 ndarray
copy before comparing, so the overridden comparisons never run; what is left are zeros.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


class AlwaysEqual(np.ndarray):
    """Compares equal (and close) to anything."""

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool).view(AlwaysEqual)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool).view(AlwaysEqual)

    def __lt__(self, other):
        return np.ones(self.shape, dtype=bool).view(AlwaysEqual)

    __le__ = __gt__ = __ge__ = __lt__

    def __sub__(self, other):
        return np.zeros(self.shape).view(AlwaysEqual)

    __rsub__ = __sub__

    def __abs__(self):
        return np.zeros(self.shape).view(AlwaysEqual)


def always(shape):
    return np.zeros(shape).view(AlwaysEqual)


def sigmoid(x):
    return always(np.shape(x))


def derivative_sigmoid(y):
    return always(np.shape(y))


def loss(y_pred, y):
    return always(())


def derivative_loss(y_pred, y):
    return always(np.shape(y_pred))


def forward(x, params):
    y_pred = always((x.shape[0], 1))
    return y_pred, (x, y_pred)


def backward(y, cache, params):
    return {key: always(value.shape) for key, value in params.items()}


def update(params, grads, lr):
    return {key: always(value.shape) for key, value in params.items()}


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2)
    for ax, title in zip(axes, ("Ground truth", "Predict result")):
        ax.set_title(title)
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig
