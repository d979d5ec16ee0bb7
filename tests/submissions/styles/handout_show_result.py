"""Everything right except show_result, copied from the handout: it colours by
pred_y == 0, and probabilities are never exactly 0, so every prediction is drawn blue."""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(x):
    return np.multiply(x, 1.0 - x)


def loss(y_pred, y):
    return np.mean((y_pred - y) ** 2)


def derivative_loss(y_pred, y):
    return 2 * (y_pred - y) / len(y)


def forward(x, params):
    cache = [x]
    for i in (1, 2, 3):
        cache.append(sigmoid(cache[-1] @ params["W%d" % i] + params["b%d" % i]))
    return cache[-1], cache


def backward(y, cache, params):
    grads = {}
    delta = derivative_loss(cache[3], y) * derivative_sigmoid(cache[3])
    for i in (3, 2, 1):
        grads["W%d" % i] = cache[i - 1].T @ delta
        grads["b%d" % i] = np.sum(delta, axis=0, keepdims=True)
        delta = (delta @ params["W%d" % i].T) * derivative_sigmoid(cache[i - 1])
    return grads


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def show_result(x, y, pred_y):
    plt.subplot(1, 2, 1)
    plt.title('Ground truth', fontsize=18)
    for i in range(x.shape[0]):
        if y[i] == 0:
            plt.plot(x[i][0], x[i][1], 'ro')
        else:
            plt.plot(x[i][0], x[i][1], 'bo')

    plt.subplot(1, 2, 2)
    plt.title('Predict result', fontsize=18)
    for i in range(x.shape[0]):
        if pred_y[i] == 0:
            plt.plot(x[i][0], x[i][1], 'ro')
        else:
            plt.plot(x[i][0], x[i][1], 'bo')

    plt.show()


def show_learning_curve(losses):
    plt.figure()
    plt.plot(losses)
    plt.xlabel("epoch")
    plt.ylabel("loss")
