"""Correct submission, CS231n style: layer objects that cache their inputs.

forward builds a fresh list of layers around the given params and returns it as the cache;
backward walks that list in reverse. The layers only read params, never write them.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


class Dense:
    """a = x @ W + b, with W and b read from a params dict."""

    def __init__(self, params, w_key, b_key):
        self.params, self.w_key, self.b_key = params, w_key, b_key
        self.x = None

    def forward(self, x):
        self.x = x
        return x @ self.params[self.w_key] + self.params[self.b_key]

    def backward(self, d_out, grads):
        """Store this layer's gradients in grads and return d loss / d x."""
        grads[self.w_key] = self.x.T @ d_out
        grads[self.b_key] = np.sum(d_out, axis=0, keepdims=True)
        return d_out @ self.params[self.w_key].T


class Sigmoid:
    """z = sigmoid(a), remembering z for the backward pass."""

    def __init__(self):
        self.z = None

    def forward(self, a):
        self.z = sigmoid(a)
        return self.z

    def backward(self, d_out, grads):
        return d_out * derivative_sigmoid(self.z)


def sigmoid(x):
    """Logistic function, computed on the side where exp cannot overflow."""
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def derivative_sigmoid(y):
    """Derivative of the sigmoid in terms of its output y."""
    return y * (1 - y)


def loss(y_pred, y):
    """Mean squared error."""
    return float(np.mean(np.square(y_pred - y)))


def derivative_loss(y_pred, y):
    """d MSE / d y_pred."""
    return 2 * (y_pred - y) / len(y)


def forward(x, params):
    """Run the three Dense + Sigmoid pairs; the cache is the list of layers."""
    layers = []
    for i in (1, 2, 3):
        layers += [Dense(params, f"W{i}", f"b{i}"), Sigmoid()]
    out = x
    for layer in layers:
        out = layer.forward(out)
    return out, layers


def backward(y, cache, params):
    """Chain rule through the cached layers, output first."""
    grads = {}
    d = derivative_loss(cache[-1].z, y)
    for layer in reversed(cache):
        d = layer.backward(d, grads)
    return grads


def update(params, grads, lr):
    """Plain gradient descent, into a new dict."""
    return {k: v - lr * grads[k] for k, v in params.items()}


def show_result(x, y, pred_y):
    """Ground truth and predictions side by side."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5))
    for ax, title, labels in ((left, "Ground truth", y), (right, "Predict result", pred_y)):
        is_one = labels[:, 0] >= 0.5
        ax.scatter(x[~is_one, 0], x[~is_one, 1], color="red", label="0")
        ax.scatter(x[is_one, 0], x[is_one, 1], color="blue", label="1")
        ax.set_title(title)
        ax.legend()
    return fig


def show_learning_curve(losses):
    """Loss per epoch."""
    fig, ax = plt.subplots()
    ax.plot(range(1, len(losses) + 1), losses, color="black")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("MSE loss")
    return fig
