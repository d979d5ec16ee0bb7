"""Correct submission in the style of the student reports: every layer written out.

The sigmoid is the plain formula, which warns about overflow for very negative inputs but
returns the right values; the cache is a dict of named layer outputs.
"""

import matplotlib.pyplot as plt
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(y):
    return np.multiply(y, 1.0 - y)


def loss(y_pred, y):
    return np.sum((y_pred - y) ** 2) / y.shape[0]


def derivative_loss(y_pred, y):
    return (y_pred - y) * (2 / y.shape[0])


def forward(x, params):
    a1 = np.dot(x, params["W1"]) + params["b1"]
    z1 = sigmoid(a1)
    a2 = np.dot(z1, params["W2"]) + params["b2"]
    z2 = sigmoid(a2)
    a3 = np.dot(z2, params["W3"]) + params["b3"]
    y_pred = sigmoid(a3)
    return y_pred, {"x": x, "z1": z1, "z2": z2, "y_pred": y_pred}


def backward(y, cache, params):
    x, z1, z2, y_pred = cache["x"], cache["z1"], cache["z2"], cache["y_pred"]
    sigma3 = np.multiply(derivative_loss(y_pred, y), derivative_sigmoid(y_pred))
    sigma2 = np.multiply(np.dot(sigma3, params["W3"].T), derivative_sigmoid(z2))
    sigma1 = np.multiply(np.dot(sigma2, params["W2"].T), derivative_sigmoid(z1))
    return {
        "W3": np.dot(z2.T, sigma3),
        "b3": np.sum(sigma3, axis=0, keepdims=True),
        "W2": np.dot(z1.T, sigma2),
        "b2": np.sum(sigma2, axis=0, keepdims=True),
        "W1": np.dot(x.T, sigma1),
        "b1": np.sum(sigma1, axis=0, keepdims=True),
    }


def update(params, grads, lr):
    new_params = {}
    for key in params:
        new_params[key] = params[key] - lr * grads[key]
    return new_params


def show_result(x, y, pred_y):
    fig = plt.figure(figsize=(10, 5))
    ax = fig.add_subplot(1, 2, 1)
    ax.set_title("Ground truth", fontsize=18)
    ax.scatter(x[:, 0], x[:, 1], c=np.where(y[:, 0] >= 0.5, "b", "r"))
    ax = fig.add_subplot(1, 2, 2)
    ax.set_title("Predict result", fontsize=18)
    ax.scatter(x[:, 0], x[:, 1], c=np.where(pred_y[:, 0] >= 0.5, "b", "r"))
    return fig


def show_learning_curve(losses):
    fig = plt.figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(np.arange(len(losses)) + 1, losses)
    ax.set_title("learning curve")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig
