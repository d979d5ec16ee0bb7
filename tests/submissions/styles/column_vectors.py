"""One sample at a time, as column vectors: right, in a style far from the contract's.

Each sample x_i is a (2, 1) column; a layer computes W.T @ z + b.T, and backward sums
the per-sample gradients, each from its row of derivative_loss of the whole batch (which
holds the 1/N of the mean).
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(y):
    return y * (1.0 - y)


def loss(y_pred, y):
    total = 0.0
    for i in range(len(y)):
        total += (y_pred[i, 0] - y[i, 0]) ** 2
    return total / len(y)


def derivative_loss(y_pred, y):
    return 2.0 * (y_pred - y) / len(y)


def forward(x, params):
    outputs, columns = [], []
    for i in range(x.shape[0]):
        z0 = x[i].reshape(2, 1)
        z1 = sigmoid(params["W1"].T @ z0 + params["b1"].T)
        z2 = sigmoid(params["W2"].T @ z1 + params["b2"].T)
        z3 = sigmoid(params["W3"].T @ z2 + params["b3"].T)
        columns.append((z0, z1, z2, z3))
        outputs.append(z3[0, 0])
    return np.array(outputs).reshape(-1, 1), columns


def backward(y, cache, params):
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    y_pred = np.array([column[3][0, 0] for column in cache]).reshape(-1, 1)
    errors = derivative_loss(y_pred, y)
    for i, (z0, z1, z2, z3) in enumerate(cache):
        d3 = errors[i].reshape(1, 1) * derivative_sigmoid(z3)
        d2 = (params["W3"] @ d3) * derivative_sigmoid(z2)
        d1 = (params["W2"] @ d2) * derivative_sigmoid(z1)
        grads["W3"] += z2 @ d3.T
        grads["b3"] += d3.T
        grads["W2"] += z1 @ d2.T
        grads["b2"] += d2.T
        grads["W1"] += z0 @ d1.T
        grads["b1"] += d1.T
    return grads


def update(params, grads, lr):
    for key in params:
        params[key] = params[key] - lr * grads[key]
    return params


def show_result(x, y, pred_y):
    fig = plt.figure(figsize=(10, 5))
    plt.subplot(1, 2, 1)
    plt.title("Ground truth")
    for i in range(x.shape[0]):
        plt.plot(x[i][0], x[i][1], "ro" if y[i][0] == 0 else "bo")
    plt.subplot(1, 2, 2)
    plt.title("Predict result")
    for i in range(x.shape[0]):
        plt.plot(x[i][0], x[i][1], "ro" if pred_y[i][0] < 0.5 else "bo")
    return fig


def show_learning_curve(losses):
    fig = plt.figure()
    plt.plot(range(1, len(losses) + 1), losses)
    plt.xlabel("Epoch")
    plt.ylabel("Loss")
    return fig
