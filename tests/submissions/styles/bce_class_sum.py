"""A class with a binary cross-entropy loss and mini-batches, summed over the batch.

LOSS = "bce". The loss is the mean, but derivative_loss leaves out the 1/N of the mean,
so it, and every gradient backward builds from it, is N times the contract's. The class
trains on mini-batches; the contract's functions wrap one instance of it.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "bce"
EPS = 1e-12


class Network:
    def __init__(self, params):
        self.params = params

    def forward(self, x):
        self.cache = [x]
        for i in (1, 2, 3):
            a = self.cache[-1] @ self.params[f"W{i}"] + self.params[f"b{i}"]
            self.cache.append(sigmoid(a))
        return self.cache[-1]

    def backward(self, y):
        out = self.cache[-1]
        delta = derivative_loss(out, y) * derivative_sigmoid(out)
        grads = {}
        for i in (3, 2, 1):
            grads[f"W{i}"] = self.cache[i - 1].T @ delta
            grads[f"b{i}"] = delta.sum(axis=0, keepdims=True)
            delta = delta @ self.params[f"W{i}"].T * derivative_sigmoid(self.cache[i - 1])
        return grads

    def fit(self, x, y, lr=0.1, epochs=100, batch=16):
        for _ in range(epochs):
            for start in range(0, len(x), batch):
                self.forward(x[start:start + batch])
                self.params = update(self.params, self.backward(y[start:start + batch]), lr)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(y):
    return y * (1.0 - y)


def loss(y_pred, y):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def derivative_loss(y_pred, y):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return (p - y) / (p * (1 - p))


def forward(x, params):
    network = Network(params)
    return network.forward(x), network


def backward(y, cache, params):
    return cache.backward(y)


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2)
    axes[0].set_title("Ground truth")
    axes[0].scatter(x[:, 0], x[:, 1], c=y[:, 0], cmap="coolwarm", vmin=0, vmax=1)
    axes[1].set_title("Predict result")
    axes[1].scatter(x[:, 0], x[:, 1], c=(pred_y[:, 0] >= 0.5).astype(float), cmap="coolwarm",
                    vmin=0, vmax=1)
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("BCE loss")
    return fig
