"""A network without biases, as the handout's diagram draws it.

forward ignores b1, b2, b3; backward returns zeros for them (nothing depends on a bias
here) and the right weight gradients of this bias-free network. Everything else follows
the contract.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(y):
    return y * (1.0 - y)


def loss(y_pred, y):
    return np.mean((y_pred - y) ** 2)


def derivative_loss(y_pred, y):
    return 2 * (y_pred - y) / y.shape[0]


def forward(x, params):
    z1 = sigmoid(x @ params["W1"])
    z2 = sigmoid(z1 @ params["W2"])
    z3 = sigmoid(z2 @ params["W3"])
    return z3, [x, z1, z2, z3]


def backward(y, cache, params):
    x, z1, z2, z3 = cache
    d3 = derivative_loss(z3, y) * derivative_sigmoid(z3)
    d2 = (d3 @ params["W3"].T) * derivative_sigmoid(z2)
    d1 = (d2 @ params["W2"].T) * derivative_sigmoid(z1)
    grads = {"W1": x.T @ d1, "W2": z1.T @ d2, "W3": z2.T @ d3}
    for key in ("b1", "b2", "b3"):
        grads[key] = np.zeros_like(params[key])
    return grads


def update(params, grads, lr):
    return {key: value - lr * grads[key] for key, value in params.items()}


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    for ax, title, labels in ((axes[0], "Ground truth", y), (axes[1], "Predict result", pred_y)):
        ax.set_title(title)
        ax.scatter(x[:, 0], x[:, 1], c=["red" if v < 0.5 else "blue" for v in labels[:, 0]])
    return fig


def show_learning_curve(losses):
    fig = plt.figure()
    plt.plot(np.arange(1, len(losses) + 1), losses)
    plt.xlabel("epochs")
    plt.ylabel("MSE loss")
    return fig
