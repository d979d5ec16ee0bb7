"""Finite differences give the same gradient one point at a time and in one batch."""

import numpy as np

from grader.session.gradcheck import finite_difference_gradient, params_gradient


def cubic(point):
    return float(np.sum(point**3) + point.ravel()[0] * point.ravel()[-1])


def test_batched_and_one_by_one_agree_and_are_right():
    point = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    one_by_one = finite_difference_gradient(cubic, point)
    batched = finite_difference_gradient(lambda points: [cubic(p) for p in points], point,
                                         batched=True)
    exact = 3 * point**2
    exact.ravel()[0] += point.ravel()[-1]
    exact.ravel()[-1] += point.ravel()[0]
    np.testing.assert_array_equal(one_by_one, batched)
    np.testing.assert_allclose(batched, exact, rtol=1e-6)


def test_params_gradient_batched_shifts_one_key_only():
    params = {"W": np.array([[1.0, 2.0]]), "b": np.array([[3.0]])}
    seen = []

    def losses(trials):
        seen.extend(trials)
        return [float(np.sum(t["W"] ** 2) + t["b"][0, 0]) for t in trials]

    gradient = params_gradient(losses, params, "W", batched=True)
    np.testing.assert_allclose(gradient, 2 * params["W"], rtol=1e-6)
    assert len(seen) == 4 and all(t["b"] is params["b"] for t in seen)
