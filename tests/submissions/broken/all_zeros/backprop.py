"""Broken: every graded function is a placeholder returning zeros of the right shape.

Expected: 0 points. The finite differences of a constant forward and loss are all zero,
so the gradient checks cannot vouch for zero gradients; shape and purity checks earn
nothing while no value check of their function passes.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float))


def derivative_sigmoid(y):
    return np.zeros_like(np.asarray(y, dtype=float))


def loss(y_pred, y):
    return 0.0


def derivative_loss(y_pred, y):
    return np.zeros_like(y_pred)


def forward(x, params):
    y_pred = np.zeros((x.shape[0], 1))
    return y_pred, (x, y_pred)


def backward(y, cache, params):
    return {key: np.zeros_like(value) for key, value in params.items()}


def update(params, grads, lr):
    return {key: np.zeros_like(value) for key, value in params.items()}


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2)
    for ax, title in zip(axes, ("Ground truth", "Predict result")):
        ax.scatter(np.zeros(len(x)), np.zeros(len(x)))
        ax.set_title(title)
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(np.zeros(len(losses)))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig
