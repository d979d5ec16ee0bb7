"""A notebook's optimizers: everything right, and momentum written the other common way,
v = mu * v - lr * g; w += v. Its velocity is -lr times the contract's
(v = mu * v + g; w -= lr * v); fed its own kind of velocity, its parameters are the same."""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def derivative_sigmoid(y):
    return y * (1.0 - y)


def loss(y_pred, y):
    return float(np.mean(np.square(y_pred - y)))


def derivative_loss(y_pred, y):
    return 2.0 * (y_pred - y) / y_pred.shape[0]


def forward(x, params):
    zs = [x]
    for w, b in (("W1", "b1"), ("W2", "b2"), ("W3", "b3")):
        zs.append(sigmoid(zs[-1] @ params[w] + params[b]))
    return zs[-1], zs


def backward(y, cache, params):
    grads = {}
    d = derivative_loss(cache[-1], y) * derivative_sigmoid(cache[-1])
    for layer, (w, b) in reversed(list(enumerate((("W1", "b1"), ("W2", "b2"), ("W3", "b3"))))):
        grads[w] = cache[layer].T @ d
        grads[b] = d.sum(axis=0, keepdims=True)
        d = d @ params[w].T * derivative_sigmoid(cache[layer])
    return grads


def update(params, grads, lr):
    return {k: v - lr * grads[k] for k, v in params.items()}


def momentum_update(params, grads, velocity, lr, beta=0.9):
    new_velocity = {k: beta * velocity[k] - lr * grads[k] for k in params}
    return {k: params[k] + new_velocity[k] for k in params}, new_velocity


def tanh(x):
    return np.tanh(x)


def derivative_tanh(y):
    return 1.0 - y ** 2


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2)
    for ax, title, labels in zip(axes, ("Ground truth", "Predict result"), (y, pred_y)):
        ax.set_title(title)
        ax.scatter(x[:, 0], x[:, 1], c=np.where(labels[:, 0] >= 0.5, "tab:blue", "tab:red"))
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(np.arange(len(losses)), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig
