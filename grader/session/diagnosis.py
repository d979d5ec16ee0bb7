"""Name the mistake behind wrong gradients, when it has a recognisable pattern.

Two kinds of evidence:
- one parameter's gradient against the right one: wrong sign, off by a factor N or 2,
  transposed, zero, a bias gradient not summed over samples;
- all gradients against those of a known bug (grads computed the way the bug does,
  from the reference's own activations): no sigmoid derivative at the output, the
  derivative applied to the pre-activation a instead of the output z, or exactly which
  layers are wrong.

Every sentence goes into a failure message on a line of its own that starts with
DIAGNOSIS (grader.session.outcome.line), so that a report can show it in full.
"""

import numpy as np

from grader.lab import LAYERS
from grader.session.carried import chain_rule
from grader.session.conventions import (
    Scale,
    convention,
    factor,
    factor_words,
    scale_between,
)
from grader.session.gradcheck import rel_error

MATCH = 1e-5  # relative error under which two gradients are "the same"
SIGN_CAUSE = "check y_pred - y versus y - y_pred"


def _close(value, target):
    return abs(value - target) <= 1e-4 * abs(target)


def _ratio_text(c):
    """The whole factor c is off by, as text ("2" for 2 or 0.5, "3" for 3 or 1/3), or None."""
    if not np.isfinite(c) or c <= 0 or _close(c, 1.0):
        return None
    ratio = c if c > 1 else 1.0 / c
    whole = round(ratio)
    return f"{whole}" if whole >= 2 and _close(ratio, whole) else None


def _direction(c):
    """Which way a value c times the right one is off."""
    return "too large" if abs(c) > 1 else "too small"


def error_summary(got, expected, n=None):
    """How far got is from expected, in words: the relative error, or its plain reading
    where there is one ("off by a factor 2 (too large)", "the opposite
    sign", "all zeros ..."; with the batch size n, factors in N too: "off by a factor
    N/2 = 3.5 (too large)"); NaN or inf say so."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape:
        return f"shape {got.shape} instead of {expected.shape}"
    if not np.all(np.isfinite(got)):
        return "NaN or infinite values"
    error = rel_error(got, expected)
    if not np.any(got) and np.any(expected):
        return "all zeros where the right values are not"
    c = factor(got, expected)
    scale = scale_between([(got, expected, n)]) if n is not None and c is not None else None
    if scale is not None and (scale.n_power or scale.sign < 0) and not scale.is_one:
        words = factor_words(scale, n).replace("has the wrong sign", "the opposite sign")
        return words.replace("is off by", "off by") + f" (relative error {error:.2g})" * (
            scale.sign < 0 and scale.magnitude.is_one)
    if c is not None and _close(c, -1.0):
        return f"the opposite sign (relative error {error:.2g})"
    ratio = _ratio_text(c) if c is not None else None
    if ratio:
        return f"off by a factor {ratio} ({_direction(c)})"
    return f"relative error {error:.2g}"


def diagnose_parameter(label, got, expected, n, is_bias=False, sign_cause=SIGN_CAUSE,
                       what="derivative", kind=None):
    """One sentence on how a gradient relates to the right one, or None.

    Args:
        label: what the gradient is called in the sentence ("dW2", "derivative_loss").
        got: the submission's gradient (any shape).
        expected: the right gradient, shaped like the parameter.
        n: number of samples in the batch.
        is_bias: the gradient of a bias (1, h).
        sign_cause: where to look when the sign is wrong.
        what, kind: the kind of value ("derivative", "loss") and the declared LOSS, which
            decide the convention a factor is named by (grader.session.conventions).
    """
    if got.shape != expected.shape:
        if is_bias and got.shape == (n, expected.shape[1]):
            return (f"{label} has one row per sample, shape {got.shape}: a bias gradient is "
                    "summed over the samples, .sum(axis=0, keepdims=True)")
        if got.shape == expected.T.shape:
            return f"{label} is transposed: shape {got.shape} instead of {expected.shape}"
        return None
    square = got.ndim == 2 and got.shape[0] == got.shape[1]
    if not is_bias and square and rel_error(got, expected.T) < MATCH:
        return f"{label} is transposed: use z_prev.T @ delta (W versus W.T)"
    c = factor(got, expected)
    if c is None:
        return None
    if _close(c, 0.0) or abs(c) < 1e-8:
        if label[1:] in {key for pair in LAYERS for key in pair}:
            return f"{label} is zero: this parameter would never learn"
        return f"{label} returns zeros: is it still a placeholder?"
    return scaled_sentence(label, scale_between([(got, expected, n)]), n, is_bias,
                           sign_cause, what, kind)


def scaled_sentence(label, scale, n, is_bias=False, sign_cause=SIGN_CAUSE,
                    what="derivative", kind=None):
    """The sentence for a value `scale` times the right one at batch size n, naming the
    convention that produces that factor where one does; None for no factor."""
    if scale is None or scale.is_one:
        return None
    if scale == Scale(-1) and what != "loss":
        return f"{label} has the wrong sign: it is the gradient's opposite ({sign_cause})"
    if is_bias and scale == Scale(1, -1):
        return (f"{label} is averaged over the samples: a bias gradient sums them (the 1/N is "
                "already inside derivative_loss)")
    named = convention(scale, what, kind)
    if named:
        return f"{label} {factor_words(scale, n)}: {named}"
    if scale.magnitude == Scale(1, 1) or scale.magnitude == Scale(1, -1):
        return (f"{label} {factor_words(scale, n)}: a sum where a mean belongs, or the 1/N "
                "of the mean loss missing or applied twice")
    return f"{label} {factor_words(scale, n)}"


def scaled_over_sizes(label, pairs, what="derivative", kind=None):
    """One sentence for a value wrong at several batch sizes: the one factor, as a formula
    in N, that explains them all (and its convention), or each size's own factor when
    they disagree (a loss both halved and summed shows as N/2, never as one of the two).

    pairs: [(got, expected, n)] of every failing size.
    """
    scale = scale_between(pairs)
    if scale is not None and (len(pairs) == 1 or scale.n_power):
        n = pairs[-1][2]
        sentence = scaled_sentence(label, scale, n, what=what, kind=kind)
        if sentence and len(pairs) > 1:
            values = ", ".join(f"{scale.value(size):.4g} for N = {size}" for _, _, size in pairs)
            sentence += f" (the factor {scale.text()}: {values})"
        return sentence
    if scale is not None:
        return scaled_sentence(label, scale, pairs[-1][2], what=what, kind=kind)
    if all(not np.any(got) and np.any(expected) for got, expected, _ in pairs):
        return f"{label} returns zeros: is it still a placeholder?"
    own_scales = [scale_between([pair]) for pair in pairs]
    if not any(own_scales):
        return None
    each = []
    for (_, _, size), own in zip(pairs, own_scales, strict=True):
        words = factor_words(own, size).removeprefix("is ") if own else "no simple factor"
        each.append(f"N = {size}: {words}")
    return f"{label} is wrong for several N, by different factors: " + "; ".join(each)


def variant_gradients(activations, y, params, d_loss, output_derivative=True,
                      pre_activation=False):
    """Gradients computed the way a known bug computes them.

    Args:
        activations: [x (N, 2), z1 (N, h1), z2 (N, h2), y_pred (N, 1)] of the right forward.
        y: labels (N, 1).
        params: the parameters.
        d_loss: d loss / d y_pred, (N, 1).
        output_derivative: False leaves out the output sigmoid's derivative.
        pre_activation: True applies a * (1 - a) to the pre-activation a instead of z.

    Returns:
        grads dict.
    """
    def slope(layer):  # d z_layer / d a_layer, layer 1..3
        z = activations[layer]
        if pre_activation:
            w_key, b_key = LAYERS[layer - 1]
            z = activations[layer - 1] @ params[w_key] + params[b_key]
        return z * (1.0 - z)

    slopes = [slope(1), slope(2), slope(3) if output_derivative else np.ones_like(d_loss)]
    return chain_rule(activations, params, d_loss, slopes)


KNOWN_BUGS = (
    ({"output_derivative": False},
     "every gradient misses the output sigmoid's derivative: multiply derivative_loss by "
     "derivative_sigmoid(y_pred) before going back through W3"),
    ({"pre_activation": True},
     "the sigmoid's derivative is applied to the pre-activation a: derivative_sigmoid "
     "takes the layer's OUTPUT z = sigmoid(a)"),
)


def diagnose_gradients(got, expected, known_bugs):
    """Sentences naming the pattern of wrong gradients (empty when none is recognised).

    Args:
        got: the submission's grads, each already shaped like its parameter.
        expected: the right grads.
        known_bugs: [(grads of a known bug, sentence)], see variant_gradients.
    """
    wrong = wrong_keys(got, expected)
    if not wrong:
        return []
    for bug_grads, sentence in known_bugs:
        if all(rel_error(got[key], bug_grads[key]) < MATCH for key in expected):
            return [sentence]
    sentence = wrong_layers_sentence(wrong, list(expected))
    return [sentence] if sentence else []


def wrong_keys(got, expected):
    """The keys whose gradient differs from the right one, input layer first."""
    return [key for key in _in_layer_order(expected)
            if not rel_error(got[key], expected[key]) < MATCH]


def _in_layer_order(keys):
    """keys as LAYER_KEYS orders them (W1, b1, ..., b3), whatever order they came in."""
    order = [key for pair in LAYERS for key in pair]
    return sorted(keys, key=lambda key: order.index(key) if key in order else len(order))


def _keys_text(keys):
    return ", ".join(f"d{key}" for key in _in_layer_order(keys))


def wrong_layers_sentence(wrong, keys):
    """Which gradients are wrong and which right, exactly; None when all are wrong.

    Whole layers get a pointer at the step of back-propagation that produces them.
    """
    right = [key for key in keys if key not in wrong]
    if not right:
        return None
    layers = [number for number, pair in enumerate(LAYERS, 1) if set(pair) <= set(wrong)]
    whole = sorted(key for number in layers for key in LAYERS[number - 1])
    if whole != sorted(wrong):
        return (f"{_keys_text(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong, "
                f"{_keys_text(right)} right")
    if layers == [1, 2]:
        return ("only the output layer (W3, b3) is right: the error is in how delta goes back "
                "to the hidden layers (delta @ W.T, times derivative_sigmoid of that layer's z)")
    if layers == [3]:
        return ("only the output layer (W3, b3) is wrong, the hidden layers are right: check "
                "dW3 = z2.T @ delta3 and db3 = delta3 summed over samples")
    if layers == [1]:
        return ("only the first layer (W1, b1) is wrong, W2, b2, W3, b3 are right: the error "
                "is in the last step back, delta1 = (delta2 @ W2.T) * derivative_sigmoid(z1), "
                "or in dW1 = x.T @ delta1")
    named = " and ".join(f"layer {number} ({', '.join(LAYERS[number - 1])})"
                         for number in layers)
    return f"the gradients of {named} are wrong, {_keys_text(right)} right"


def weights_and_biases(got, expected, n):
    """A sentence when every weight gradient is one multiple of the right one and every
    bias gradient another (the 1/N put on the biases only), or None.

    Args:
        got, expected: grads dicts (the submission's, the right ones); n: batch size.
    """
    scales = []
    for keys in ([w for w, _ in LAYERS], [b for _, b in LAYERS]):
        if any(got[key].shape != expected[key].shape for key in keys):
            return None
        scales.append(scale_between([(got[key], expected[key], n) for key in keys]))
    weights, biases = scales
    if weights is None or biases is None or weights == biases:
        return None
    if weights == Scale(1, 1) and biases.is_one:
        return (f"every weight gradient is N = {n} times the right one and every bias "
                "gradient right: the 1/N sits on the biases only (derivative_loss without "
                "the 1/N of the mean, bias gradients averaged over the samples); the "
                "contract puts the 1/N in derivative_loss and sums every gradient over the "
                "samples")
    if weights.is_one:
        return None  # one sentence per bias gradient says it already
    return (f"every weight gradient is {weights.with_value(n)} times the right one, every "
            f"bias gradient {biases.with_value(n)} times: weights and biases are scaled "
            "differently, where one derivative_loss scales them alike")
