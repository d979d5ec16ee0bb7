"""Plain functions with the textbook's halved squared error, E = 1/2 * sum((y_pred - y)^2).

Its derivative is y_pred - y: N/2 times the contract's 2 * (y_pred - y) / N. backward
starts from derivative_loss, so every gradient is N/2 times the contract's too; the chain
rule itself is right.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(y):
    return y * (1.0 - y)


def loss(y_pred, y):
    return 0.5 * np.sum((y_pred - y) ** 2)


def derivative_loss(y_pred, y):
    return y_pred - y


def forward(x, params):
    z1 = sigmoid(x @ params["W1"] + params["b1"])
    z2 = sigmoid(z1 @ params["W2"] + params["b2"])
    y_pred = sigmoid(z2 @ params["W3"] + params["b3"])
    return y_pred, (x, z1, z2, y_pred)


def backward(y, cache, params):
    x, z1, z2, y_pred = cache
    delta3 = derivative_loss(y_pred, y) * derivative_sigmoid(y_pred)
    delta2 = delta3 @ params["W3"].T * derivative_sigmoid(z2)
    delta1 = delta2 @ params["W2"].T * derivative_sigmoid(z1)
    return {"W3": z2.T @ delta3, "b3": delta3.sum(axis=0, keepdims=True),
            "W2": z1.T @ delta2, "b2": delta2.sum(axis=0, keepdims=True),
            "W1": x.T @ delta1, "b1": delta1.sum(axis=0, keepdims=True)}


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def show_result(x, y, pred_y):
    fig, (left, right) = plt.subplots(1, 2)
    left.set_title("Ground truth")
    left.scatter(x[:, 0], x[:, 1], c=np.where(y[:, 0] >= 0.5, "b", "r"))
    right.set_title("Predict result")
    right.scatter(x[:, 0], x[:, 1], c=np.where(pred_y[:, 0] >= 0.5, "b", "r"))
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(range(len(losses)), losses)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss")
    return fig
