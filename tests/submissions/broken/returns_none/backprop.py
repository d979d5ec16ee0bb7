"""Broken: every graded function is a stub that returns None.

Expected: every check fails with a message saying None came back; plots with
"nothing was drawn".
"""

LOSS = "mse"


def sigmoid(x):
    pass


def derivative_sigmoid(y):
    pass


def loss(y_pred, y):
    pass


def derivative_loss(y_pred, y):
    pass


def forward(x, params):
    pass


def backward(y, cache, params):
    pass


def update(params, grads, lr):
    pass


def show_result(x, y, pred_y):
    pass


def show_learning_curve(losses):
    pass
