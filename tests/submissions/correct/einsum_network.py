"""Correct submission written with np.einsum, one index string per contraction."""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"
KEYS = (("W1", "b1"), ("W2", "b2"), ("W3", "b3"))


def sigmoid(x):
    """Logistic function via tanh, which never overflows: sigmoid(x) = (1 + tanh(x/2)) / 2."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def derivative_sigmoid(y):
    """y (1 - y), for y the sigmoid's output."""
    return y - y * y


def loss(y_pred, y):
    """Mean squared error, as a contraction of the error with itself."""
    error = (y_pred - y).ravel()
    return float(np.einsum("n,n->", error, error) / error.size)


def derivative_loss(y_pred, y):
    """d MSE / d y_pred."""
    return 2.0 / y.shape[0] * (y_pred - y)


def forward(x, params):
    """Each layer: a_nj = sum_i z_ni W_ij + b_j."""
    zs = [x]
    for w, b in KEYS:
        zs.append(sigmoid(np.einsum("ni,ij->nj", zs[-1], params[w]) + params[b]))
    return zs[-1], zs


def backward(y, cache, params):
    """Gradients by einsum, from the output layer down."""
    delta = derivative_loss(cache[-1], y) * derivative_sigmoid(cache[-1])
    grads = {}
    for i in (2, 1, 0):
        w, b = KEYS[i]
        grads[w] = np.einsum("ni,nj->ij", cache[i], delta)
        grads[b] = np.einsum("nj->j", delta)[np.newaxis, :]
        delta = np.einsum("nj,ij->ni", delta, params[w]) * derivative_sigmoid(cache[i])
    return grads


def update(params, grads, lr):
    """Gradient descent step."""
    return {key: np.subtract(value, np.multiply(lr, grads[key])) for key, value in params.items()}


def show_result(x, y, pred_y):
    """Both panels in one loop; ground truth on the left."""
    fig, axes = plt.subplots(ncols=2, figsize=(9, 4.5), sharex=True, sharey=True)
    for ax, title, values in zip(axes, ("Ground truth", "Predict result"), (y, pred_y)):
        colours = ["tab:orange" if v >= 0.5 else "tab:green" for v in values[:, 0]]
        ax.scatter(x[:, 0], x[:, 1], c=colours, s=20)
        ax.set_title(title)
    fig.tight_layout()
    return fig


def show_learning_curve(losses):
    """Training loss against epoch, starting at epoch 0."""
    fig, ax = plt.subplots()
    ax.plot(losses)
    ax.set(xlabel="epoch", ylabel="training loss", title="Learning curve")
    return fig
