"""Name the textbook convention behind a value that is a fixed multiple of the right one.

Students of this lab write the same math in several conventions: a loss of ½·Σ instead
of a mean, the error as y - output, a sum where the contract has a mean, the learning
rate folded into a momentum's velocity, the 1/N put on the bias gradients only. Each
makes a value exactly ±N^a · 2^b · lr^c times the contract's. `Scale` is such a factor,
`scale_between` finds it (over every batch size N checked: one N can be ambiguous, N = 1
always is), and `convention` says which convention produces it and what the contract
wants instead.
"""

import itertools
from dataclasses import dataclass

import numpy as np

from grader.session.gradcheck import rel_error

MATCH = 1e-5  # relative error under which got is "exactly" the multiple of expected
POWERS_OF_N = (0, 1, -1, 2, -2)
POWERS_OF_2 = (0, 1, -1, 2, -2, 3, -3)
POWERS_OF_LR = (0, 1, -1)


@dataclass(frozen=True)
class Scale:
    """The factor sign · N^n_power · 2^two_power · lr^lr_power."""

    sign: int = 1
    n_power: int = 0
    two_power: int = 0
    lr_power: int = 0

    def value(self, n, lr=1.0):
        return self.sign * float(n) ** self.n_power * 2.0 ** self.two_power * lr ** self.lr_power

    @property
    def is_one(self):
        return self == Scale()

    @property
    def magnitude(self):
        """The same factor without its sign."""
        return Scale(1, self.n_power, self.two_power, self.lr_power)

    def text(self):
        """The factor as a formula: "N/2", "-N", "2", "1/N", "-lr"."""
        top = [name if power == 1 else f"{name}^{power}"
               for name, power in (("N", self.n_power), ("2", self.two_power),
                                   ("lr", self.lr_power)) if power > 0]
        bottom = [name if power == -1 else f"{name}^{-power}"
                  for name, power in (("N", self.n_power), ("2", self.two_power),
                                      ("lr", self.lr_power)) if power < 0]
        text = "·".join(top) or "1"
        if bottom:
            text += "/" + "/".join(bottom)
        return ("-" if self.sign < 0 else "") + text

    def with_value(self, n, lr=1.0):
        """"N/2 = 3.5" (the formula and its value at this N), or just "2" when no N in it."""
        if not self.n_power and not self.lr_power:
            return self.text()
        return f"{self.text()} = {self.value(n, lr):.4g}"


def factor(got, expected):
    """c such that got == c * expected (to MATCH), or None."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return None
    scale = float(np.sum(expected * expected))
    if scale == 0.0:
        return None
    c = float(np.sum(got * expected)) / scale
    return c if rel_error(got, c * expected) < MATCH else None


def _candidates(with_lr):
    scales = [Scale(sign, a, b, c) for sign, a, b, c in itertools.product(
        (1, -1), POWERS_OF_N, POWERS_OF_2, POWERS_OF_LR if with_lr else (0,))]
    # The simplest explanation first: fewest and smallest powers, positive before negative.
    return sorted(scales, key=lambda s: (abs(s.n_power) + abs(s.two_power) + abs(s.lr_power),
                                         abs(s.lr_power), abs(s.n_power), s.sign < 0))


CANDIDATES = {False: _candidates(False), True: _candidates(True)}


def scale_between(pairs, lr=None):
    """The one Scale s with got == s.value(n, lr) * expected for every (got, expected, n)
    of pairs, or None (no such factor, or expected all zeros somewhere)."""
    factors = []
    for got, expected, n in pairs:
        c = factor(got, expected)
        if c is None:
            return None
        factors.append((c, n))
    for scale in CANDIDATES[lr is not None]:
        if all(abs(c - scale.value(n, lr or 1.0)) <= 1e-4 * abs(c) for c, n in factors):
            return scale
    return None


# What each convention is, by the factor it leaves on a value, for each kind of value:
# "loss" (the loss itself), "derivative" (derivative_loss and every gradient built from
# it), "velocity" (a momentum's velocity).
CONVENTIONS = {
    ("loss", Scale(1, 1, -1)): "a halved sum, ½·Σ (y_pred - y)², where the contract has the "
                               "mean",
    ("loss", Scale(1, 1, 0)): "a sum over the samples where the contract has the mean",
    ("loss", Scale(1, 0, -1)): "a stray ½ in front of the mean",
    ("loss", Scale(-1, 0, 0)): "a loss is never negative: check the minus sign (and "
                               "y_pred - y versus y - y_pred)",
    ("derivative", Scale(1, 1, -1)): "the derivative of a ½·Σ loss (y_pred - y, with neither "
                                     "the 2 nor the 1/N of the mean)",
    ("derivative", Scale(-1, 1, -1)): "error = y - output with a ½·Σ loss (y - y_pred: the "
                                      "opposite sign, and neither the 2 nor the 1/N)",
    ("derivative", Scale(1, 1, 0)): "a sum instead of a mean (the 1/N of the mean is missing)",
    ("derivative", Scale(-1, 1, 0)): "error = y - output, summed (the opposite sign, and no "
                                     "1/N)",
    ("derivative", Scale(-1, 0, 0)): "error = y - output: the opposite sign",
    ("derivative", Scale(-1, 0, -1)): "error = y - output of a ½·mean (the opposite sign, "
                                      "and no 2)",
    ("derivative", Scale(1, 0, -1)): "the derivative of a ½·mean: the 2 of (y_pred - y)² is "
                                     "missing",
    ("derivative", Scale(1, -1, 0)): "the 1/N of the mean applied twice",
    ("velocity", Scale(-1, 0, 0, 1)): "lr folded into the velocity (v = μ·v - lr·g; w += v)",
    ("velocity", Scale(1, 0, 0, 1)): "lr folded into the velocity (v = μ·v + lr·g; w -= v)",
}
WANTED = {
    "loss": {"mse": "the contract's loss is the mean, mean((y_pred - y) ** 2)",
             "bce": "the contract's loss is the mean, -mean(y log y_pred + (1 - y) "
                    "log(1 - y_pred))"},
    "derivative": {"mse": "the contract's derivative_loss is 2 * (y_pred - y) / N",
                   "bce": "the contract's derivative_loss is (y_pred - y) / (y_pred * (1 - "
                          "y_pred)) / N"},
    "velocity": {None: "the contract keeps v = β·v + g and steps w - lr·v"},
}
MSE_ONLY = {Scale(1, 1, -1), Scale(-1, 1, -1), Scale(-1, 0, -1), Scale(1, 0, -1)}


def convention(scale, what, kind=None):
    """Which convention leaves this factor on a value of this kind, and what the contract
    wants, as one sentence; None when no known convention does.

    what: "loss", "derivative" or "velocity"; kind: the declared LOSS ("mse", "bce"),
    since a ½ belongs to squared errors only.
    """
    if kind == "bce" and scale in MSE_ONLY:
        return None
    name = CONVENTIONS.get((what, scale))
    if name is None:
        return None
    wanted = WANTED[what].get(kind) or WANTED[what].get(None)
    return f"{name}; {wanted}" if wanted else name


def direction(scale, n, lr=1.0):
    """"too large" or "too small" for the magnitude of the factor at this N."""
    return "too large" if abs(scale.value(n, lr)) > 1 else "too small"


def factor_words(scale, n, lr=1.0):
    """How a value off by this factor reads: "has the wrong sign", "is off by a factor
    N = 7 (too large)", "has the wrong sign and is off by a factor N/2 = 3.5 (too large)".

    A factor below one is read as its inverse ("off by a factor 2 (too small)" for 1/2).
    """
    magnitude = scale.magnitude
    inverse = Scale(1, -magnitude.n_power, -magnitude.two_power, -magnitude.lr_power)
    shown = inverse if abs(magnitude.value(n, lr)) < 1 else magnitude
    words = []
    if scale.sign < 0:
        words.append("has the wrong sign")
    if not magnitude.is_one:
        text = shown.text()
        if shown.n_power or shown.lr_power:
            text = f"{text} = {shown.value(n, lr):.4g}"
        words.append(f"is off by a factor {text} ({direction(scale, n, lr)})")
    return " and ".join(words)
