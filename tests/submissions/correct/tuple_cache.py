"""Correct submission with a tuple cache and a colour-mapped scatter with a colorbar.

loss returns a 0-d numpy array rather than a float; the contract accepts either.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

LOSS = "mse"
TWO_COLOURS = ListedColormap(["crimson", "navy"])


def sigmoid(x):
    """Stable logistic function: exp is only ever taken of a non-positive number."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def derivative_sigmoid(y):
    return y * (1 - y)


def loss(y_pred, y):
    return np.asarray(np.mean((y_pred - y) ** 2))


def derivative_loss(y_pred, y):
    return 2 * (y_pred - y) / y.shape[0]


def forward(x, params):
    """The cache is ((input, output) of layer 1, of layer 2, of layer 3)."""
    cache = ()
    z = x
    for w, b in (("W1", "b1"), ("W2", "b2"), ("W3", "b3")):
        z_in, z = z, sigmoid(z @ params[w] + params[b])
        cache += ((z_in, z),)
    return z, cache


def backward(y, cache, params):
    grads = {}
    (_, y_pred) = cache[-1]
    d = derivative_loss(y_pred, y)
    for layer in (3, 2, 1):
        z_in, z_out = cache[layer - 1]
        d = d * derivative_sigmoid(z_out)
        grads["W%d" % layer] = z_in.T @ d
        grads["b%d" % layer] = np.sum(d, axis=0, keepdims=True)
        d = d @ params["W%d" % layer].T
    return grads


def update(params, grads, lr):
    return dict((k, params[k] - lr * grads[k]) for k in params)


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, title, labels in ((axes[0], "Ground truth", y), (axes[1], "Predict result", pred_y)):
        points = ax.scatter(x[:, 0], x[:, 1], c=(labels[:, 0] >= 0.5).astype(int),
                            cmap=TWO_COLOURS, vmin=0, vmax=1)
        ax.set_title(title)
        fig.colorbar(points, ax=ax, ticks=[0, 1])
    return fig


def show_learning_curve(losses):
    fig = plt.figure()
    ax = fig.gca()
    ax.plot(range(len(losses)), losses, marker="", label="train")
    ax.set_xlabel("Epoch number")
    ax.set_ylabel("Mean squared loss")
    ax.legend()
    return fig
