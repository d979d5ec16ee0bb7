"""Numerical gradient checking: central finite differences and relative errors."""

import numpy as np

STEP = 1e-6  # central-difference step, float64
# Finite differences all below this say the function does not depend on the point at all
# (a correct network's smallest entries, widths 2-3-5-1 and 2-4-4-1, are above 1e-4).
NO_DEPENDENCE = 1e-10


def rel_error(got, expected, floor=1e-8):
    """Relative error of two arrays, CS231n style, on norms so that tiny entries are safe.

    Returns:
        |got - expected| / max(|got| + |expected|, floor) with Frobenius norms.
    """
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    scale = max(np.linalg.norm(got) + np.linalg.norm(expected), floor)
    return float(np.linalg.norm(got - expected) / scale)


def finite_difference_gradient(function, point, step=STEP, batched=False):
    """Gradient of a scalar function at an array by central differences.

    Args:
        function: callable taking an array shaped like point, returning a float; or,
            with batched=True, taking a list of such arrays and returning their floats
            (so that a submission's function is called once for all the points).
        point: float64 array of any shape (not modified).

    Returns:
        array shaped like point.
    """
    point = np.array(point, dtype=np.float64)
    shifted = []
    for index in np.ndindex(point.shape):
        for sign in (1.0, -1.0):
            trial = point.copy()
            trial[index] += sign * step
            shifted.append(trial)
    values = function(shifted) if batched else [function(trial) for trial in shifted]
    above, below = np.array(values[0::2]), np.array(values[1::2])
    return ((above - below) / (2 * step)).reshape(point.shape)


def params_gradient(function, params, key, step=STEP, batched=False):
    """Finite-difference gradient of function(params) with respect to params[key]
    (batched: function takes a list of params dicts, see finite_difference_gradient)."""
    def with_entry(value):
        return function({**params, key: value})

    def with_entries(values):
        return function([{**params, key: value} for value in values])

    return finite_difference_gradient(with_entries if batched else with_entry, params[key],
                                      step, batched)


def uninformative(gradient, function, variable):
    """Why finite differences cannot judge a gradient, as a sentence, or None.

    A function that does not depend on its input (a placeholder returning a constant) has
    zero finite differences, and a zero gradient would match them: that proves nothing.

    Args:
        gradient: finite differences of `function` with respect to `variable`.
        function, variable: their names in the sentence ("forward", "W1").
    """
    gradient = np.asarray(gradient, np.float64)
    if not np.all(np.isfinite(gradient)):
        return (f"your {function} gives NaN or inf near this input (its finite differences "
                f"with respect to {variable} are not finite)")
    if not np.any(np.abs(gradient) > NO_DEPENDENCE):
        return (f"your {function} does not depend on {variable} (its finite differences are "
                "all zero)")
    return None
