"""Broken rule: the training script runs at module level, with no `if __name__ ==
"__main__"` guard: importing trains for 5000 epochs, prints the losses and shows
the figures. The functions themselves are correct.

Expected: the grader still grades every function (within its time limit) and reports
that importing trained, printed and showed figures.
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
    return 2.0 * (y_pred - y) / y.shape[0]


def forward(x, params):
    z1 = sigmoid(x @ params["W1"] + params["b1"])
    z2 = sigmoid(z1 @ params["W2"] + params["b2"])
    y_pred = sigmoid(z2 @ params["W3"] + params["b3"])
    return y_pred, (x, z1, z2, y_pred)


def backward(y, cache, params):
    x, z1, z2, y_pred = cache
    d3 = derivative_loss(y_pred, y) * derivative_sigmoid(y_pred)
    d2 = (d3 @ params["W3"].T) * derivative_sigmoid(z2)
    d1 = (d2 @ params["W2"].T) * derivative_sigmoid(z1)
    return {
        "W1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True),
        "W2": z1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
        "W3": z2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
    }


def update(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def show_result(x, y, pred_y):
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    for ax, title, labels in zip(axes, ("Ground truth", "Predict result"), (y, pred_y)):
        ax.scatter(x[:, 0], x[:, 1], c=np.where(labels[:, 0] >= 0.5, "blue", "red"))
        ax.set_title(title)
    return fig


def show_learning_curve(losses):
    fig, ax = plt.subplots()
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return fig


rng = np.random.default_rng(0)
x_train = rng.uniform(0, 1, (100, 2))
y_train = (x_train[:, :1] <= x_train[:, 1:]).astype(float)
params = {}
for i, (fan_in, fan_out) in enumerate(((2, 4), (4, 4), (4, 1)), start=1):
    params[f"W{i}"] = rng.normal(0, 1, (fan_in, fan_out))
    params[f"b{i}"] = np.zeros((1, fan_out))
losses = []
for epoch in range(5000):
    y_pred, cache = forward(x_train, params)
    losses.append(loss(y_pred, y_train))
    params = update(params, backward(y_train, cache, params), 1.0)
    if epoch % 500 == 0:
        print(f"epoch {epoch} loss : {losses[-1]:.4f}")
show_result(x_train, y_train, forward(x_train, params)[0])
plt.show()
show_learning_curve(losses)
plt.show()
