"""Broken: every graded function returns a string.

Expected: every check fails with a message saying a str came back.
"""

LOSS = "mse"


def sigmoid(x):
    return "TODO: sigmoid"


def derivative_sigmoid(y):
    return "TODO: derivative_sigmoid"


def loss(y_pred, y):
    return "TODO: loss"


def derivative_loss(y_pred, y):
    return "TODO: derivative_loss"


def forward(x, params):
    return "TODO: forward"


def backward(y, cache, params):
    return "TODO: backward"


def update(params, grads, lr):
    return "TODO: update"


def show_result(x, y, pred_y):
    return "TODO: show_result"


def show_learning_curve(losses):
    return "TODO: show_learning_curve"
