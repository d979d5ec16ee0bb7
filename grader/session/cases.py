"""The inputs every check uses: fixed seeds, so a grade is the same on every run."""

import numpy as np


def rng(*seed):
    return np.random.default_rng(list(seed))


def init_params(widths, seed):
    """The grader's own initialisation: weights from N(0, 1), biases zero.

    Args:
        widths: (2, h1, h2, 1).
    Returns:
        params dict, W1 (2, h1) ... b3 (1, 1).
    """
    generator = np.random.default_rng(seed)
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        params[f"W{layer}"] = generator.normal(0.0, 1.0, (fan_in, fan_out))
        params[f"b{layer}"] = np.zeros((1, fan_out))
    return params


def random_params(widths, seed):
    """Parameters with non-zero biases too (so that bias bugs show), float64."""
    generator = rng(11, seed, *widths)
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        params[f"W{layer}"] = generator.normal(0.0, 1.0, (fan_in, fan_out))
        params[f"b{layer}"] = generator.normal(0.0, 0.5, (1, fan_out))
    return params


def inputs(n, seed=0):
    """x (n, 2) uniform in the unit square and labels y (n, 1) with both classes."""
    generator = rng(7, seed, n)
    x = generator.uniform(0.0, 1.0, (n, 2))
    y = (generator.uniform(size=(n, 1)) < 0.5).astype(np.float64)
    y[0, 0] = 1.0 - y[-1, 0] if n > 1 else y[0, 0]
    return x, y


def predictions(n, seed=0):
    """y_pred (n, 1) in [0.01, 0.99] and labels y (n, 1)."""
    generator = rng(5, seed, n)
    y_pred = generator.uniform(0.01, 0.99, (n, 1))
    y = (generator.uniform(size=(n, 1)) < 0.5).astype(np.float64)
    return y_pred, y


def widths_label(widths):
    return "-".join(map(str, widths))
