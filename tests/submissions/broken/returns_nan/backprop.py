"""Broken: every graded function returns NaN, in the right shape.

Expected: every check fails with a message saying NaN came back.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return np.full(np.shape(x), np.nan)


def derivative_sigmoid(y):
    return np.full(np.shape(y), np.nan)


def loss(y_pred, y):
    return float("nan")


def derivative_loss(y_pred, y):
    return np.full(np.shape(y_pred), np.nan)


def forward(x, params):
    y_pred = np.full((x.shape[0], 1), np.nan)
    return y_pred, (x, y_pred)


def backward(y, cache, params):
    return {key: np.full(value.shape, np.nan) for key, value in params.items()}


def update(params, grads, lr):
    return {key: np.full(value.shape, np.nan) for key, value in params.items()}


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2)
    for ax, title in zip(axes, ("Ground truth", "Predict result")):
        ax.scatter(np.full(len(x), np.nan), np.full(len(x), np.nan))
        ax.set_title(title)
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(np.full(len(losses), np.nan))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig
