"""A delta-rule script: error = y - output, E = 1/2 * sum(error^2), and W += lr * dW.

derivative_loss returns the "error" y - y_pred, -N/2 times the contract's derivative;
backward propagates it with a correct chain rule, and update ADDS lr * grads. The three
signs and factors cancel in training, which works; each function alone breaks the
contract's convention.
"""

import matplotlib.pyplot as plt
import numpy as np

LOSS = "mse"


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def derivative_sigmoid(x):
    return np.multiply(x, 1.0 - x)


def loss(y_pred, y):
    error = y - y_pred
    return float(0.5 * np.sum(error * error))


def derivative_loss(y_pred, y):
    return y - y_pred


def forward(x, params):
    hidden1 = sigmoid(np.dot(x, params["W1"]) + params["b1"])
    hidden2 = sigmoid(np.dot(hidden1, params["W2"]) + params["b2"])
    output = sigmoid(np.dot(hidden2, params["W3"]) + params["b3"])
    return output, {"x": x, "h1": hidden1, "h2": hidden2, "out": output}


def backward(y, cache, params):
    error = derivative_loss(cache["out"], y)
    delta_out = error * derivative_sigmoid(cache["out"])
    delta_h2 = np.dot(delta_out, params["W3"].T) * derivative_sigmoid(cache["h2"])
    delta_h1 = np.dot(delta_h2, params["W2"].T) * derivative_sigmoid(cache["h1"])
    grads = {}
    grads["W3"] = np.dot(cache["h2"].T, delta_out)
    grads["b3"] = np.sum(delta_out, axis=0, keepdims=True)
    grads["W2"] = np.dot(cache["h1"].T, delta_h2)
    grads["b2"] = np.sum(delta_h2, axis=0, keepdims=True)
    grads["W1"] = np.dot(cache["x"].T, delta_h1)
    grads["b1"] = np.sum(delta_h1, axis=0, keepdims=True)
    return grads


def update(params, grads, lr):
    new = {}
    for key in params:
        new[key] = params[key].copy()
        new[key] += lr * grads[key]
    return new


def show_result(x, y, pred_y):
    plt.subplot(1, 2, 1)
    plt.title("Ground truth", fontsize=18)
    for i in range(x.shape[0]):
        plt.plot(x[i][0], x[i][1], "ro" if y[i] < 0.5 else "bo")
    plt.subplot(1, 2, 2)
    plt.title("Predict result", fontsize=18)
    for i in range(x.shape[0]):
        plt.plot(x[i][0], x[i][1], "ro" if pred_y[i] < 0.5 else "bo")
    plt.show()


def show_learning_curve(losses):
    plt.plot(losses)
    plt.xlabel("epoch")
    plt.ylabel("loss")
    plt.show()


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    data = rng.uniform(0, 1, (100, 2))
    labels = (data[:, 0] < data[:, 1]).astype(float).reshape(-1, 1)
    weights = {"W1": rng.normal(size=(2, 4)), "b1": np.zeros((1, 4)),
               "W2": rng.normal(size=(4, 4)), "b2": np.zeros((1, 4)),
               "W3": rng.normal(size=(4, 1)), "b3": np.zeros((1, 1))}
    for epoch in range(2000):
        out, memory = forward(data, weights)
        weights = update(weights, backward(labels, memory, weights), 0.05)
    print("loss", loss(forward(data, weights)[0], labels))
