"""Factors of the form ±N^a · 2^b · lr^c between a value and the right one, and the
textbook conventions that produce them (grader.session.conventions)."""

import numpy as np
import pytest

from grader.session.conventions import Scale, convention, factor_words, scale_between
from grader.session.diagnosis import diagnose_parameter, scaled_over_sizes, weights_and_biases

RIGHT = np.linspace(-1.0, 2.0, 12).reshape(6, 2) + 0.1


def at(scale, n, lr=1.0):
    return scale.value(n, lr) * RIGHT


@pytest.mark.parametrize(("scale", "words"), [
    (Scale(1, 1, -1), "the derivative of a ½·Σ loss"),
    (Scale(-1, 1, -1), "error = y - output with a ½·Σ loss"),
    (Scale(1, 1, 0), "a sum instead of a mean"),
    (Scale(-1, 1, 0), "error = y - output, summed"),
    (Scale(-1, 0, 0), "wrong sign"),
    (Scale(1, 0, -1), "the 2 of (y_pred - y)² is missing"),
    (Scale(1, -1, 0), "the 1/N of the mean applied twice"),
])
@pytest.mark.parametrize("n", [7, 13, 100])
def test_each_factor_of_a_derivative_is_named_by_its_convention(scale, words, n):
    assert scale_between([(at(scale, n), RIGHT, n)]) == scale
    assert words in diagnose_parameter("derivative_loss", at(scale, n), RIGHT, n, kind="mse")


def test_one_n_that_is_a_power_of_two_is_resolved_by_the_others():
    # At N = 1 (and N = 2, 4, ...) N and 2 cannot be told apart: every N checked decides.
    half_sum = Scale(1, 1, -1)
    pairs = [(at(half_sum, n), RIGHT, n) for n in (1, 7, 100)]
    assert scale_between(pairs) == half_sum
    sentence = scaled_over_sizes("loss", pairs, what="loss", kind="mse")
    assert "a halved sum, ½·Σ" in sentence
    assert "0.5 for N = 1, 3.5 for N = 7, 50 for N = 100" in sentence


def test_disagreeing_sizes_show_every_failing_n():
    pairs = [(2 * RIGHT, RIGHT, 7), (-RIGHT, RIGHT, 100)]
    sentence = scaled_over_sizes("derivative_loss", pairs)
    assert "N = 7: off by a factor 2 (too large)" in sentence
    assert "N = 100: has the wrong sign" in sentence


def test_hints_follow_the_declared_loss():
    halved = diagnose_parameter("derivative_loss", 0.5 * RIGHT, RIGHT, 7, kind="bce")
    assert "(y_pred - y)" not in halved and "½" not in halved
    summed = diagnose_parameter("derivative_loss", 7 * RIGHT, RIGHT, 7, kind="bce")
    assert "a sum instead of a mean" in summed and "(y_pred * (1 - y_pred)) / N" in summed


def test_lr_folded_into_the_velocity_is_recognised():
    scale = scale_between([(-0.1 * RIGHT, RIGHT, 1)], lr=0.1)
    assert scale == Scale(-1, 0, 0, 1)
    assert "v = μ·v - lr·g; w += v" in convention(scale, "velocity")


def test_no_factor_no_sentence():
    noisy = RIGHT + np.random.default_rng(0).normal(0, 0.1, RIGHT.shape)
    assert scale_between([(noisy, RIGHT, 7)]) is None
    assert diagnose_parameter("dW1", noisy, RIGHT, 7) is None
    assert factor_words(Scale(1, 1, 0), 7) == "is off by a factor N = 7 (too large)"


def test_weights_and_biases_scaled_apart_are_named():
    right = {"W1": RIGHT, "b1": RIGHT[:1], "W2": RIGHT.T, "b2": RIGHT[:1, :1],
             "W3": RIGHT[:, :1], "b3": RIGHT[:1, :1]}
    bias_only = {key: value * (7 if key[0] == "W" else 1) for key, value in right.items()}
    assert "the 1/N sits on the biases only" in weights_and_biases(bias_only, right, 7)
    assert weights_and_biases(right, right, 7) is None
