"""The contract's network written in grader code, to judge what a submission produced.

`forward` and `accuracy` judge trained params with a network the submission cannot
touch; `backward` gives the gradients the contract asks for where no stored reference
value can exist (inputs of a size chosen for the check, see check_backward's
back-propagation rule). It stays on the grader's side: nothing here is bound into the
worker's sandbox, so a submission cannot borrow it.
"""

import numpy as np

from grader.lab import LAYERS


def sigmoid(a):
    return 0.5 * (np.tanh(0.5 * a) + 1.0)  # sigmoid without overflow warnings


def activations(x, params):
    """[x, z1, z2, y_pred]: the input and every layer's output, a = z_prev @ W + b,
    z = sigmoid(a). x (N, 2); params W1 (2, h1), b1 (1, h1), ..., b3 (1, 1), or the same
    with a leading axis of E parameter sets (then every output but x has it too)."""
    outputs = [np.asarray(x, dtype=np.float64)]
    for weight, bias in LAYERS:
        outputs.append(sigmoid(outputs[-1] @ params[weight] + params[bias]))
    return outputs


def forward(x, params):
    """y_pred (N, 1), in (0, 1)."""
    return activations(x, params)[-1]


def accuracy(y_pred, y):
    """Fraction of samples whose class (y_pred >= 0.5) matches the label y; (N, 1) each."""
    return float(np.mean((np.asarray(y_pred) >= 0.5) == (np.asarray(y) >= 0.5)))


def backward(x, y, params, kind):
    """{key: gradient of the mean loss `kind` ("mse" or "bce") over the N samples}, each
    shaped like params[key] (with E parameter sets, for each set). At the output,
    d loss / d a3 is 2 (y_pred - y) y_pred (1 - y_pred) / N for MSE and (y_pred - y) / N
    for BCE."""
    outputs = activations(x, params)
    y_pred, n = outputs[-1], len(y)
    if kind == "bce":
        d_a = (y_pred - y) / n
    else:
        d_a = 2.0 * (y_pred - y) * y_pred * (1.0 - y_pred) / n
    grads = {}
    for layer in range(len(LAYERS) - 1, -1, -1):  # output layer first
        weight, bias = LAYERS[layer]
        grads[weight] = np.swapaxes(outputs[layer], -1, -2) @ d_a
        grads[bias] = d_a.sum(axis=-2, keepdims=True)
        if layer:
            d_a = (d_a @ np.swapaxes(params[weight], -1, -2)) * outputs[layer] * (
                1.0 - outputs[layer])
    return grads
