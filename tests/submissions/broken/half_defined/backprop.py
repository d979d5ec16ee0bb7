"""Broken: only sigmoid, derivative_sigmoid, loss and derivative_loss are written (all
correct); forward, backward, update and both plots are missing.

Expected: full marks for the four, and each missing function reported as missing.
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
