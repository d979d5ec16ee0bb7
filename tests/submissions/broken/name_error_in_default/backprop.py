"""Broken: a definition itself fails at import: a default argument names a constant
that was never defined (NameError). The other functions are correct.

Expected: nothing can be graded (the definitions alone do not import either); the report
says that importing raised NameError, with the line, as for any file that does not
import.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(y):
    return y * (1.0 - y)


def loss(y_pred, y):
    return float(np.mean((y_pred - y) ** 2))


def derivative_loss(y_pred, y):
    return 2.0 * (y_pred - y) / y.shape[0]


def forward(x, params):
    z1 = sigmoid(x @ params["W1"] + params["b1"])
    z2 = sigmoid(z1 @ params["W2"] + params["b2"])
    y_pred = sigmoid(z2 @ params["W3"] + params["b3"])
    return y_pred, (x, z1, z2, y_pred)


def backward(y, cache, params):
    x, z1, z2, y_pred = cache
    d3 = derivative_loss(y_pred, y) * derivative_sigmoid(y_pred)
    d2 = (d3 @ params["W3"].T) * derivative_sigmoid(z2)
    d1 = (d2 @ params["W2"].T) * derivative_sigmoid(z1)
    return {
        "W1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True),
        "W2": z1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
        "W3": z2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
    }


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    for ax, title, labels in zip(axes, ("Ground truth", "Predict result"), (y, pred_y)):
        ax.scatter(x[:, 0], x[:, 1], c=np.where(labels[:, 0] >= 0.5, "blue", "red"))
        ax.set_title(title)
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig


def train(x, y, params, lr=LEARNING_RATE, epochs=1000):
    for _ in range(epochs):
        y_pred, cache = forward(x, params)
        params = update(params, backward(y, cache, params), lr)
    return params
