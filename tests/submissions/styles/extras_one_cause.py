"""A notebook with the bonus extras, each wrong in one place.

derivative_relu is 1 where y >= 0 (wrong only at y = 0); adam_update corrects the bias
with t + 1 instead of t; momentum_update ignores the velocity it is given. The graded
functions are right.
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
    return 2.0 * (y_pred - y) / len(y)


def forward(x, params):
    z = [x]
    for i in range(1, 4):
        z.append(sigmoid(z[-1] @ params[f"W{i}"] + params[f"b{i}"]))
    return z[-1], z


def backward(y, cache, params):
    grads = {}
    delta = derivative_loss(cache[-1], y) * derivative_sigmoid(cache[-1])
    for i in range(3, 0, -1):
        grads[f"W{i}"] = cache[i - 1].T @ delta
        grads[f"b{i}"] = delta.sum(axis=0, keepdims=True)
        delta = delta @ params[f"W{i}"].T * derivative_sigmoid(cache[i - 1])
    return grads


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def relu(x):
    return np.maximum(0, x)


def derivative_relu(y):
    return (y >= 0).astype(float)


def momentum_update(params, grads, velocity, lr, beta=0.9):
    new_velocity = {k: grads[k] for k in params}
    return {k: params[k] - lr * new_velocity[k] for k in params}, new_velocity


def adam_update(params, grads, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    new_m = {k: beta1 * m[k] + (1 - beta1) * grads[k] for k in params}
    new_v = {k: beta2 * v[k] + (1 - beta2) * grads[k] ** 2 for k in params}
    step = t + 1
    new_params = {}
    for k in params:
        m_hat = new_m[k] / (1 - beta1 ** step)
        v_hat = new_v[k] / (1 - beta2 ** step)
        new_params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_params, new_m, new_v


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2)
    for ax, title, labels in zip(axes, ("Ground truth", "Predict result"), (y, pred_y)):
        ax.set_title(title)
        ax.scatter(x[:, 0], x[:, 1], c=np.where(labels[:, 0] >= 0.5, "blue", "red"))
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig
