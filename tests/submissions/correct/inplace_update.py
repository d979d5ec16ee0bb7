"""Correct submission whose update modifies params in place and returns the same dict.

The contract allows it: the dict update returns is what counts. forward caches both the
pre-activations and the outputs, although backward only needs the outputs.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    """1 / (1 + exp(-x)); exp of a clipped argument cannot overflow."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500.0, 500.0)))


def derivative_sigmoid(y):
    return y * (1.0 - y)


def loss(y_pred, y):
    return np.mean((y - y_pred) ** 2)


def derivative_loss(y_pred, y):
    n = y_pred.shape[0]
    return -2.0 * (y - y_pred) / n


def forward(x, params):
    cache = {"z0": x}
    z = x
    for i in (1, 2, 3):
        a = z @ params[f"W{i}"] + params[f"b{i}"]
        z = sigmoid(a)
        cache[f"a{i}"], cache[f"z{i}"] = a, z
    return z, cache


def backward(y, cache, params):
    grads = {}
    d_z = derivative_loss(cache["z3"], y)
    for i in (3, 2, 1):
        d_a = d_z * derivative_sigmoid(cache[f"z{i}"])
        grads[f"W{i}"] = cache[f"z{i - 1}"].T @ d_a
        grads[f"b{i}"] = d_a.sum(axis=0, keepdims=True)
        d_z = d_a @ params[f"W{i}"].T
    return grads


def update(params, grads, lr):
    """Subtract lr * grad from every parameter array in place."""
    for key in params:
        params[key] -= lr * grads[key]
    return params


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    for ax, title, labels in zip(axes, ["Ground truth ", " Predict result"], [y, pred_y]):
        ax.scatter(x[:, 0], x[:, 1], c=["#d62728" if v < 0.5 else "#1f77b4" for v in labels[:, 0]])
        ax.set_title(title)
        ax.set_aspect("equal")
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(np.arange(len(losses)), losses, "-")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True)
    return fig
