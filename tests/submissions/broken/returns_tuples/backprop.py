"""Broken: every graded function returns a tuple with an extra item, the way
plt.subplots() or a debugging return leaves one.

Expected: every check fails with a message saying what came back (a tuple, or a
3-tuple from forward).
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return s, x


def derivative_sigmoid(y):
    return y * (1.0 - y), y


def loss(y_pred, y):
    return float(np.mean((y_pred - y) ** 2)), y.shape[0]


def derivative_loss(y_pred, y):
    return 2.0 * (y_pred - y) / y.shape[0], y_pred - y


def forward(x, params):
    z1 = sigmoid(x @ params["W1"] + params["b1"])[0]
    z2 = sigmoid(z1 @ params["W2"] + params["b2"])[0]
    y_pred = sigmoid(z2 @ params["W3"] + params["b3"])[0]
    return y_pred, (x, z1, z2), y_pred


def backward(y, cache, params):
    x, z1, z2 = cache
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    return grads, cache


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}, grads


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2)
    for ax, title, labels in zip(axes, ("Ground truth", "Predict result"), (y, pred_y)):
        ax.scatter(x[:, 0], x[:, 1], c=np.where(labels[:, 0] >= 0.5, "blue", "red"))
        ax.set_title(title)
    return fig, axes


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig, ax
