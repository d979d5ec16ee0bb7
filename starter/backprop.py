"""Lab 1: back-propagation from scratch.

A two-hidden-layer network with a sigmoid after every layer, trained by full-batch
gradient descent on two toy data sets (linearly separable, and "XOR easy").

Conventions (see the course contract):
    x       float array (N, 2)
    y       labels (N, 1), 0.0 or 1.0
    y_pred  network output (N, 1), in (0, 1)
    params  {"W1": (2, h1), "b1": (1, h1), "W2": (h1, h2), "b2": (1, h2),
             "W3": (h2, 1), "b3": (1, 1)}
    grads   same keys and shapes as params
    LOSS    "mse" (the default) or "bce"; the grader reads it ignoring case and
            surrounding spaces ("MSE" is "mse"), so compare it the same way in
            your own code: LOSS.strip().lower() == "bce"

One layer computes a = z_prev @ W + b, z = sigmoid(a). A class-1 prediction is
y_pred >= 0.5.

You write the functions marked "graded"; the rest is given.
"""

import matplotlib.pyplot as plt
import numpy as np

# The loss you train with: "mse" (mean squared error) or "bce" (binary cross-entropy).
LOSS = "mse"

# Keys of the three layers' parameters, input layer first.
LAYERS = (("W1", "b1"), ("W2", "b2"), ("W3", "b3"))

# y_pred is kept this far from 0 and 1 inside log() and divisions of the BCE loss.
BCE_EPS = 1e-12


# ---------------------------------------------------------------------------
# Graded: activation
# ---------------------------------------------------------------------------

def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), elementwise (graded).

    Args:
        x: array of any shape.

    Returns:
        array of the same shape as x, in [0, 1]. Stable for large |x|: no overflow
        warning, no NaN.
    """
    raise NotImplementedError('sigmoid: return 1 / (1 + exp(-x)) elementwise, without overflow for large |x|')


def derivative_sigmoid(y):
    """Derivative of the sigmoid, written in terms of its OUTPUT (graded).

    Args:
        y: array of any shape, y = sigmoid(a) (not a itself).

    Returns:
        array of the same shape as y: d sigmoid(a) / d a = y * (1 - y).
    """
    raise NotImplementedError("derivative_sigmoid: return y * (1 - y); y is the sigmoid's output, not its input")


# ---------------------------------------------------------------------------
# Graded: loss
# ---------------------------------------------------------------------------

def loss(y_pred, y):
    """Loss of the predictions, as chosen by LOSS (graded).

    Args:
        y_pred: predictions (N, 1), in (0, 1).
        y: labels (N, 1), 0.0 or 1.0.

    Returns:
        float: mean((y_pred - y) ** 2) for "mse";
        -mean(y log y_pred + (1 - y) log(1 - y_pred)) for "bce".
    """
    check_same_shape(y_pred, y)
    raise NotImplementedError('loss: return the mean loss over the N samples, for the loss named by LOSS')


def derivative_loss(y_pred, y):
    """Gradient of loss(y_pred, y) with respect to y_pred (graded).

    Args:
        y_pred: predictions (N, 1), in (0, 1).
        y: labels (N, 1), 0.0 or 1.0.

    Returns:
        array (N, 1): 2 * (y_pred - y) / N for "mse";
        (y_pred - y) / (y_pred * (1 - y_pred)) / N for "bce".
    """
    check_same_shape(y_pred, y)
    raise NotImplementedError('derivative_loss: return d loss / d y_pred, shape (N, 1); remember the 1/N of the mean')


# ---------------------------------------------------------------------------
# Graded: the network
# ---------------------------------------------------------------------------

def forward(x, params):
    """Forward pass through the three layers (graded).

    Args:
        x: inputs (N, 2).
        params: dict of weights, see the module docstring.

    Returns:
        y_pred: output (N, 1), in (0, 1).
        cache: whatever backward needs; here a list of the layer outputs
            [x (N, 2), z1 (N, h1), z2 (N, h2), y_pred (N, 1)].
    """
    raise NotImplementedError('forward: for each layer: a = z_prev @ W + b, z = sigmoid(a); return (y_pred, cache)')


def backward(y, cache, params):
    """Back-propagate the loss gradient through the three layers (graded).

    Args:
        y: labels (N, 1).
        cache: what forward returned with y_pred.
        params: the same dict forward was called with; not modified.

    Returns:
        grads: dict with the keys and shapes of params, the gradient of
            loss(y_pred, y) with respect to each parameter.

    Back-propagate: backward must not evaluate the network at parameters other
    than the ones it is given (recomputing the forward pass once at those
    parameters is allowed). A backward that differentiates numerically, through
    forward, loss or a copy of them, loses the backward points: the grader also
    calls it on a network of over 100 000 parameters, where that takes minutes.
    """
    raise NotImplementedError('backward: start from derivative_loss, go back layer by layer (chain rule)')


def update(params, grads, lr):
    """One gradient-descent step (graded).

    Args:
        params: dict of weights.
        grads: dict with the same keys and shapes.
        lr: learning rate, a float.

    Returns:
        dict with the same keys: params[k] - lr * grads[k].
    """
    raise NotImplementedError('update: return a dict with params[k] - lr * grads[k] for every key k')


# ---------------------------------------------------------------------------
# Graded: figures
# ---------------------------------------------------------------------------

CLASS_COLOURS = np.array(["tab:red", "tab:blue"])  # class 0, class 1


def show_result(x, y, pred_y):
    """Ground truth and predictions side by side (graded).

    Args:
        x: inputs (N, 2).
        y: labels (N, 1).
        pred_y: predicted probabilities (N, 1); class 1 where pred_y >= 0.5.

    Returns:
        matplotlib Figure with two scatter subplots titled "Ground truth" and
        "Predict result", one point per sample, coloured by class.
    """
    raise NotImplementedError('show_result: two scatter subplots, titles "Ground truth" and "Predict result"')


def show_learning_curve(losses):
    """Loss against epoch (graded).

    Args:
        losses: sequence of E floats, one loss per epoch (as train returns them).

    Returns:
        matplotlib Figure with one line: epoch 1..E on x ("epoch"), loss on y ("loss").
    """
    raise NotImplementedError('show_learning_curve: plot the losses against epoch numbers, label the axes')


# ---------------------------------------------------------------------------
# Bonus, optional: other activations and optimizers (extra points when written;
# leave a stub as it is and it is simply not graded)
# ---------------------------------------------------------------------------

def tanh(x):
    """Hyperbolic tangent, elementwise (bonus).

    Args:
        x: array of any shape.

    Returns:
        array of the same shape, in [-1, 1].
    """
    raise NotImplementedError('tanh: return tanh(x) elementwise')


def derivative_tanh(y):
    """Derivative of tanh in terms of its OUTPUT y = tanh(a) (bonus).

    Args:
        y: array of any shape.

    Returns:
        array of the same shape: 1 - y ** 2.
    """
    raise NotImplementedError("derivative_tanh: return 1 - y ** 2; y is tanh's output")


def relu(x):
    """Rectified linear unit max(x, 0), elementwise (bonus).

    Args:
        x: array of any shape.

    Returns:
        array of the same shape.
    """
    raise NotImplementedError('relu: return max(x, 0) elementwise')


def derivative_relu(y):
    """Derivative of relu in terms of its OUTPUT y = relu(a) (bonus).

    Args:
        y: array of any shape.

    Returns:
        array of the same shape: 1.0 where y > 0, else 0.0.
    """
    raise NotImplementedError('derivative_relu: return 1.0 where y > 0 and 0.0 elsewhere')


def momentum_update(params, grads, velocity, lr, beta=0.9):
    """One step of gradient descent with momentum (bonus).

    Args:
        params: dict of weights.
        grads: dict with the same keys and shapes.
        velocity: dict with the same keys and shapes (zeros before the first step).
        lr: learning rate.
        beta: momentum coefficient.

    Returns:
        (params, velocity): new dicts, velocity[k] = beta * velocity[k] + grads[k] and
        params[k] - lr * velocity[k] with that new velocity.
    """
    raise NotImplementedError('momentum_update: new velocity = beta * velocity + grads; new params = params - lr * velocity')


def adam_update(params, grads, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step (bonus).

    Args:
        params: dict of weights.
        grads: dict with the same keys and shapes.
        m, v: dicts of first and second moment estimates (zeros before the first step).
        t: the step's number, 1 for the first.
        lr, beta1, beta2, eps: Adam's hyper-parameters.

    Returns:
        (params, m, v): new dicts. m[k] = beta1 m[k] + (1 - beta1) g, v[k] = beta2 v[k] +
        (1 - beta2) g ** 2, and params[k] - lr * m_hat / (sqrt(v_hat) + eps) with the
        bias-corrected m_hat = m[k] / (1 - beta1 ** t), v_hat = v[k] / (1 - beta2 ** t).
    """
    raise NotImplementedError('adam_update: update m and v, correct their bias with t, then step params')


# ---------------------------------------------------------------------------
# Given: data, initialisation, training and testing (not graded)
# ---------------------------------------------------------------------------

def check_same_shape(y_pred, y):
    """Raise ValueError unless y_pred and y are both (N, 1) arrays of one N.

    Labels (N,) against predictions (N, 1) would otherwise broadcast silently to (N, N).
    """
    y_pred_shape, y_shape = np.shape(y_pred), np.shape(y)
    if y_pred_shape != y_shape or len(y_shape) != 2 or y_shape[1] != 1:
        raise ValueError(
            f"y_pred has shape {y_pred_shape} and y has shape {y_shape}: "
            "both must be (N, 1) with the same N (reshape labels with y.reshape(-1, 1))"
        )


def check_inputs(x, y):
    """Raise ValueError unless x is (N, 2) and y is (N, 1) for one N."""
    x_shape, y_shape = np.shape(x), np.shape(y)
    if len(x_shape) != 2 or x_shape[1] != 2 or y_shape != (x_shape[0], 1):
        raise ValueError(
            f"x has shape {x_shape} and y has shape {y_shape}: "
            "expected x (N, 2) and y (N, 1) with the same N"
        )


def generate_linear(n=100, seed=None):
    """The lab's linearly separable data: uniform points in the unit square.

    Args:
        n: number of points.
        seed: seed of the random generator; None draws a fresh sample.

    Returns:
        x: (n, 2) points; y: (n, 1) labels, 0.0 where x1 > x2 and 1.0 otherwise.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (n, 2))
    y = np.where(x[:, 0] > x[:, 1], 0.0, 1.0).reshape(n, 1)
    return x, y


def generate_XOR_easy():
    """The lab's "XOR easy" data: 21 points on the two diagonals of the unit square.

    Returns:
        x: (21, 2) points; y: (21, 1) labels, 0.0 on the diagonal x1 = x2 and 1.0 on
        the anti-diagonal x1 = 1 - x2 (the centre point belongs to the first).
    """
    points, labels = [], []
    for i in range(11):
        t = 0.1 * i
        points.append((t, t))
        labels.append(0.0)
        if i == 5:
            continue
        points.append((t, 1.0 - t))
        labels.append(1.0)
    return np.array(points), np.array(labels).reshape(-1, 1)


def init_params(sizes=(2, 4, 4, 1), seed=0):
    """Random initial parameters: weights from N(0, 1), biases zero.

    Args:
        sizes: layer widths (2, h1, h2, 1).
        seed: seed of the random generator.

    Returns:
        params dict: W1 (2, h1), b1 (1, h1), W2 (h1, h2), b2 (1, h2), W3 (h2, 1), b3 (1, 1).
    """
    if len(sizes) != len(LAYERS) + 1:
        raise ValueError(f"sizes must list {len(LAYERS) + 1} widths, got {sizes!r}")
    rng = np.random.default_rng(seed)
    params = {}
    for (w_key, b_key), fan_in, fan_out in zip(LAYERS, sizes[:-1], sizes[1:]):
        params[w_key] = rng.normal(0.0, 1.0, (fan_in, fan_out))
        params[b_key] = np.zeros((1, fan_out))
    return params


def train(x, y, params, lr=1.0, epochs=5000, print_every=500):
    """Full-batch gradient descent.

    Args:
        x: inputs (N, 2).
        y: labels (N, 1).
        params: initial params dict.
        lr: learning rate.
        epochs: number of gradient steps.
        print_every: print "epoch E loss : L" every this many epochs; 0 prints nothing.

    Returns:
        params: the trained params dict.
        losses: list of `epochs` floats, the loss before each step.
    """
    check_inputs(x, y)
    losses = []
    for epoch in range(1, epochs + 1):
        y_pred, cache = forward(x, params)
        losses.append(loss(y_pred, y))
        grads = backward(y, cache, params)
        params = update(params, grads, lr)
        if print_every and epoch % print_every == 0:
            print(f"epoch {epoch} loss : {losses[-1]:.4f}")
    return params, losses


def predict(x, params):
    """Predicted probabilities (N, 1) for inputs x (N, 2)."""
    return forward(x, params)[0]


def accuracy(y_pred, y):
    """Fraction of samples whose class (y_pred >= 0.5) matches the label, in [0, 1].

    Args:
        y_pred: predictions (N, 1).
        y: labels (N, 1).
    """
    check_same_shape(y_pred, y)
    return float(np.mean((y_pred >= 0.5) == (y >= 0.5)))


def test(x, y, params):
    """Print one line per sample, then the loss and the accuracy.

    Args:
        x: inputs (N, 2).
        y: labels (N, 1).
        params: trained params dict.

    Returns:
        (loss, accuracy): a float and a fraction in [0, 1].
    """
    check_inputs(x, y)
    y_pred = predict(x, params)
    for i, (truth, prediction) in enumerate(zip(y[:, 0], y_pred[:, 0]), start=1):
        print(f"Iter {i} | Ground truth: {truth:.1f} | prediction: {prediction:.5f} |")
    test_loss, test_accuracy = loss(y_pred, y), accuracy(y_pred, y)
    print(f"loss={test_loss:.5f} accuracy={100 * test_accuracy:.2f}%")
    return test_loss, test_accuracy
