"""The contract's back-propagation rule: backward must not evaluate the network at
parameters other than the ones it is given (recomputing the forward pass once at those
parameters is allowed).

Judged by what the rule changes, not by how a submission is written. While backward runs
there, the submission's own forward is watched (grader.sandbox.worker): a call of it at
params other than the ones given stops backward and breaks the rule. A copy of it is
judged by time: on a wide network
(WIDTHS, over 120 000 parameters) back-propagation costs about one forward pass, while
differentiating numerically (through forward, the loss or a copy of them) costs one or
two forward passes per parameter, some 10^5 times more. backward gets RULE_SECONDS
there, thousands of times what the chain rule needs on a loaded machine and a tiny
fraction of what numerical differentiation needs on a fast one; what it returns must
also be a gradient there (finite and not all zeros: the values themselves are judged by
the other checks, which credit errors carried from other functions), so a backward
cannot skip the work on a network this size.
"""

import time

import numpy as np

from grader.lab import LAYER_KEYS
from grader.session import network
from grader.session.cases import inputs, rng, widths_label
from grader.session.gradcheck import rel_error
from grader.session.marker import CheckFailed
from grader.session.outcome import TIMEOUT

WIDTHS = (2, 400, 300, 1)  # h1 != h2, as the other backward cases
N = 64
RULE_SECONDS = 20.0
TOLERANCE = 1e-6  # as the comparison with the reference
FORWARD_TOLERANCE = 1e-7
RULE = ("backward must not evaluate the network at parameters other than the ones it is "
        "given (recomputing the forward pass once at those parameters is allowed)")


def wide_params(widths, seed):
    """params whose pre-activations stay moderate however wide the layers: weights from
    N(0, 1 / fan_in), biases from N(0, 0.1^2), so every gradient is well above rounding."""
    generator = rng(13, seed, *widths)
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        params[f"W{layer}"] = generator.normal(0.0, fan_in ** -0.5, (fan_in, fan_out))
        params[f"b{layer}"] = generator.normal(0.0, 0.1, (1, fan_out))
    return params


def _a_multiple(got, expected):
    """Whether got is a gradient at all: exactly the gradient, or anything non-zero and
    finite (a multiple, or an error carried from derivative_loss or derivative_sigmoid,
    is charged in the other checks, which judge the values): only an answer that skips
    the work (zeros, NaN) is caught here."""
    return rel_error(got, expected) < TOLERANCE or (
        bool(np.all(np.isfinite(got))) and bool(np.any(got != 0.0)))


def parameter_count(widths):
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(widths[:-1], widths[1:]))


class WideCase:
    """backward of a submission on the wide network, judged against the rule.

    failures: {key: message} for the gradients that break it (every key when backward
    ran out of time); empty when it keeps the rule or when this case cannot tell (its
    forward or backward failed for other reasons, which the other checks report).
    """

    def __init__(self, student):
        self.failures = {}
        kind = student.declared_loss()
        x, y = inputs(N, seed=2)
        params = wide_params(WIDTHS, seed=1)
        started = time.perf_counter()
        try:
            y_pred, cache, _ = student.forward(x, params)
        except CheckFailed:
            return  # forward's own checks say why
        forward_seconds = time.perf_counter() - started
        try:
            grads, elsewhere = student.timed_backward(y, cache, params, RULE_SECONDS)
        except CheckFailed as error:
            if error.kind == TIMEOUT:
                self.failures = dict.fromkeys(LAYER_KEYS, self.too_slow(forward_seconds))
            return
        if elsewhere:
            self.failures = dict.fromkeys(LAYER_KEYS, self.evaluated_elsewhere(elsewhere))
            return
        if rel_error(y_pred, network.forward(x, params)) >= FORWARD_TOLERANCE:
            return  # judged on a forward that is not the contract's: the other checks say
        expected = network.backward(x, y, params, kind)
        for key in LAYER_KEYS:
            got = grads.get(key)
            if got is None or got.shape != expected[key].shape or \
                    not _a_multiple(got, expected[key]):
                self.failures[key] = self.not_the_gradient(key, got, expected[key])

    @staticmethod
    def too_slow(forward_seconds):
        return (f"backward did not finish within {RULE_SECONDS:g} s on a network of widths "
                f"{widths_label(WIDTHS)} ({parameter_count(WIDTHS):,} parameters, N = {N}), "
                f"where your forward took {forward_seconds:.2f} s. The contract: {RULE}. "
                "Back-propagation costs about one forward pass; differentiating numerically "
                "costs one or two forward passes per parameter. Compute the gradients with the "
                "chain rule, layer by layer, from the cache of forward")

    @staticmethod
    def evaluated_elsewhere(function):
        return (f"on a network of widths {widths_label(WIDTHS)} your backward called "
                f"{function} at params other than the ones it was given. The "
                f"contract: {RULE}. Compute the gradients with the chain rule, layer by layer, "
                "from the cache of forward")

    @staticmethod
    def not_the_gradient(key, got, expected):
        what = "no array" if got is None else (
            f"shape {got.shape}" if got.shape != expected.shape
            else f"relative error {rel_error(got, expected):.2g}")
        return (f"on a network of widths {widths_label(WIDTHS)} (N = {N}) d{key} is not the "
                f"gradient ({what}): backward must compute the gradient for any widths, by "
                f"the chain rule. The contract: {RULE}")

    def require(self, keys=LAYER_KEYS):
        """Fail with the first rule failure among keys (the gradients a check judges)."""
        for key in keys:
            if key in self.failures:
                raise CheckFailed(self.failures[key])
