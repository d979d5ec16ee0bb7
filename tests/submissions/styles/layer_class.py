"""Layer objects with an optimizer, and 1/N on the biases only.

derivative_loss is 2 * (y_pred - y) without the 1/N of the mean; the Dense layer then
averages its bias gradient over the batch but sums its weight gradient. So db comes out
right and dW N times too large: the 1/N sits on the biases only.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


class Dense:
    def __init__(self, weight, bias):
        self.weight, self.bias = weight, bias
        self.inputs = None

    def forward(self, inputs):
        self.inputs = inputs
        return inputs @ self.weight + self.bias

    def backward(self, grad_out):
        grad_weight = self.inputs.T @ grad_out
        grad_bias = np.mean(grad_out, axis=0, keepdims=True)
        return grad_weight, grad_bias, grad_out @ self.weight.T


class Sigmoid:
    def forward(self, inputs):
        self.out = sigmoid(inputs)
        return self.out

    def backward(self, grad_out):
        return grad_out * derivative_sigmoid(self.out)


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        return {name: params[name] - self.lr * grads[name] for name in params}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(y):
    return y * (1.0 - y)


def loss(y_pred, y):
    return float(np.mean((y_pred - y) ** 2))


def derivative_loss(y_pred, y):
    return 2 * (y_pred - y)


def forward(x, params):
    layers = []
    out = x
    for i in (1, 2, 3):
        dense, activation = Dense(params[f"W{i}"], params[f"b{i}"]), Sigmoid()
        out = activation.forward(dense.forward(out))
        layers += [dense, activation]
    return out, layers


def backward(y, cache, params):
    grad = derivative_loss(cache[-1].out, y)
    grads = {}
    for i in (3, 2, 1):
        activation, dense = cache[2 * i - 1], cache[2 * i - 2]
        grad = activation.backward(grad)
        grads[f"W{i}"], grads[f"b{i}"], grad = dense.backward(grad)
    return grads


def update(params, grads, lr):
    return SGD(lr).step(params, grads)


def show_result(x, y, pred_y):
    fig, ax = plt.subplots(1, 2)
    ax[0].set_title("Ground truth")
    ax[0].scatter(x[:, 0], x[:, 1], c=(y[:, 0] >= 0.5), cmap="bwr", vmin=0, vmax=1)
    ax[1].set_title("Predict result")
    ax[1].scatter(x[:, 0], x[:, 1], c=(pred_y[:, 0] >= 0.5), cmap="bwr", vmin=0, vmax=1)
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(losses)
    ax.set(xlabel="epoch", ylabel="loss", title="Learning curve")
    return fig
