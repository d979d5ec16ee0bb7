"""Broken: every graded function returns the right values in the wrong shape.

Expected: every check fails with a message giving the shape that came back and the
one expected; the plots draw one panel and a learning curve of half the losses.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return (1.0 / (1.0 + np.exp(-x))).ravel()


def derivative_sigmoid(y):
    return (y * (1.0 - y)).reshape(-1, 1)


def loss(y_pred, y):
    return (y_pred - y) ** 2 / y.shape[0]


def derivative_loss(y_pred, y):
    return (2.0 * (y_pred - y) / y.shape[0]).ravel()


def forward(x, params):
    z1 = 1.0 / (1.0 + np.exp(-(x @ params["W1"] + params["b1"])))
    z2 = 1.0 / (1.0 + np.exp(-(z1 @ params["W2"] + params["b2"])))
    y_pred = 1.0 / (1.0 + np.exp(-(z2 @ params["W3"] + params["b3"])))
    return y_pred.T, (x, z1, z2, y_pred)


def backward(y, cache, params):
    x, z1, z2, y_pred = cache
    d3 = 2.0 * (y_pred - y) / y.shape[0] * y_pred * (1.0 - y_pred)
    d2 = (d3 @ params["W3"].T) * z2 * (1.0 - z2)
    d1 = (d2 @ params["W2"].T) * z1 * (1.0 - z1)
    return {
        "W1": (x.T @ d1).T, "b1": d1.sum(axis=0),
        "W2": (z1.T @ d2).T, "b2": d2.sum(axis=0),
        "W3": (z2.T @ d3).T, "b3": d3.sum(axis=0),
    }


def update(params, grads, lr):
    return {k: (params[k] - lr * grads[k]).ravel() for k in params}


def show_result(x, y, pred_y):
    fig, ax = plt.subplots()
    ax.scatter(x[:, 0], x[:, 1], c=np.where(y[:, 0] >= 0.5, "blue", "red"))
    ax.set_title("Ground truth and Predict result")
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(losses[::2])
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig
