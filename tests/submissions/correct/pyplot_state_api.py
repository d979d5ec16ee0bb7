"""Correct submission whose figures use the pyplot state API, as the lab's own code does.

Both figure functions draw on the current figure, call plt.show() and return None; the
points are drawn with plot markers ('ro', 'bo') rather than scatter.
"""

import matplotlib.pyplot as plt
import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def derivative_sigmoid(y):
    return y * (1 - y)


def loss(y_pred, y):
    return ((y_pred - y) ** 2).mean()


def derivative_loss(y_pred, y):
    return 2 * (y_pred - y) / y_pred.size


def forward(x, params):
    outputs = [x]
    for i in range(1, 4):
        outputs.append(sigmoid(outputs[-1].dot(params["W%d" % i]) + params["b%d" % i]))
    return outputs[-1], outputs


def backward(y, cache, params):
    grads = {}
    delta = derivative_loss(cache[3], y) * derivative_sigmoid(cache[3])
    for i in range(3, 0, -1):
        grads["W%d" % i] = cache[i - 1].T.dot(delta)
        grads["b%d" % i] = delta.sum(axis=0, keepdims=True)
        delta = delta.dot(params["W%d" % i].T) * derivative_sigmoid(cache[i - 1])
    return grads


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def show_result(x, y, pred_y):
    plt.figure(figsize=(10, 5))
    plt.subplot(1, 2, 1)
    plt.title("Ground truth", fontsize=18)
    for i in range(x.shape[0]):
        plt.plot(x[i][0], x[i][1], "ro" if y[i][0] == 0 else "bo")
    plt.subplot(1, 2, 2)
    plt.title("Predict result", fontsize=18)
    for i in range(x.shape[0]):
        plt.plot(x[i][0], x[i][1], "ro" if pred_y[i][0] < 0.5 else "bo")
    plt.show()


def show_learning_curve(losses):
    plt.figure()
    plt.plot(losses)
    plt.yscale("log")
    plt.title("Learning curve")
    plt.xlabel("Epoch")
    plt.ylabel("Loss")
    plt.show()
