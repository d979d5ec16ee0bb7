"""Numerical gradient checking: central finite differences and relative errors."""

import numpy as np

STEP = 1e-6  # central-difference step, float64


def rel_error(got, expected, floor=1e-8):
    """Relative error of two arrays, CS231n style, on norms so that tiny entries are safe.

    Returns:
        |got - expected| / max(|got| + |expected|, floor) with Frobenius norms.
    """
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    scale = max(np.linalg.norm(got) + np.linalg.norm(expected), floor)
    return float(np.linalg.norm(got - expected) / scale)


def finite_difference_gradient(function, point, step=STEP):
    """Gradient of a scalar function at an array by central differences.

    Args:
        function: callable taking an array shaped like point, returning a float.
        point: float64 array of any shape (not modified).

    Returns:
        array shaped like point.
    """
    point = np.array(point, dtype=np.float64)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + step
        above = function(point.copy())
        point[index] = original - step
        below = function(point.copy())
        point[index] = original
        gradient[index] = (above - below) / (2 * step)
    return gradient


def params_gradient(function, params, key, step=STEP):
    """Finite-difference gradient of function(params) with respect to params[key]."""
    def with_entry(value):
        return function({**params, key: value})

    return finite_difference_gradient(with_entry, params[key], step)
