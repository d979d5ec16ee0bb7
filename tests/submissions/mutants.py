"""Single-bug variants ("mutants") of the reference solution.

Each `Mutant` is a small textual patch of `solution/backprop.py` that plants one bug of the
kind students really make (the bugs of FINDINGS.md and of the student reports in
shared/seeds) inside one graded function. The grader's tests apply a mutant, grade the
result and expect the function named by `breaks` to lose points, with the feedback naming
`diagnosis` when one is given.

Bugs in the BCE branch of `loss` and `derivative_loss` only matter to a module that declares
`LOSS = "bce"`, so those mutants set `loss="bce"` and `apply` switches the module's LOSS
before patching: the unpatched BCE module is itself a correct submission.
"""

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOLUTION_PATH = REPO_ROOT / "solution" / "backprop.py"

# The contract functions a mutant may break.
GRADED = (
    "sigmoid",
    "derivative_sigmoid",
    "loss",
    "derivative_loss",
    "forward",
    "backward",
    "update",
    "show_result",
    "show_learning_curve",
)

# What the grader's feedback must recognise, with the bug each name stands for.
DIAGNOSES = {
    "sign_flipped": "the result has the wrong sign",
    "factor_n": "off by a factor N, the number of samples (a sum instead of a mean, or the "
    "reverse)",
    "factor_2": "off by a factor 2",
    "transposed": "a weight matrix used where its transpose belongs",
    "only_last_layer_right": "output-layer gradients right, hidden-layer gradients wrong",
    "output_sigmoid_derivative_missing": "the output sigmoid's derivative is left out, so every "
    "gradient is off",
    "bias_not_summed": "bias gradient averaged or kept per sample instead of summed over samples",
    "params_modified": "backward modifies params in place",
    "pre_activation": "derivative_sigmoid applied to the pre-activation a instead of the output z",
}

LOSS_LINE = 'LOSS = "{}"'


@dataclass(frozen=True)
class Mutant:
    """One planted bug.

    Attributes:
        name: unique identifier, `<function>_<bug>`.
        breaks: the contract function the grader should blame.
        find: text that occurs exactly once in the solution, inside `breaks`.
        replace: what `find` becomes.
        diagnosis: a key of DIAGNOSES, or None when no specific feedback applies.
        description: the bug in one sentence, as a student would have written it.
        loss: the LOSS the mutated module declares ("mse" or "bce").
    """

    name: str
    breaks: str
    find: str
    replace: str
    diagnosis: str | None = None
    description: str = ""
    loss: str = "mse"


def solution_source(loss="mse"):
    """The reference solution's text, declaring `loss` as its LOSS."""
    source = SOLUTION_PATH.read_text(encoding="utf-8")
    return _replace_once(source, LOSS_LINE.format("mse"), LOSS_LINE.format(loss))


def apply(mutant, source):
    """Return `source` (the solution's text) with `mutant` planted.

    Raises:
        ValueError: `mutant.find` (or the LOSS line, for a BCE mutant) does not occur
            exactly once.
    """
    source = _replace_once(source, mutant.find, mutant.replace)
    return _replace_once(source, LOSS_LINE.format("mse"), LOSS_LINE.format(mutant.loss))


def mutant_source(mutant):
    """The text of the solution with `mutant` planted."""
    return apply(mutant, SOLUTION_PATH.read_text(encoding="utf-8"))


def _replace_once(source, find, replace):
    """Replace the single occurrence of `find` in `source`; ValueError unless there is one."""
    count = source.count(find)
    if count != 1:
        raise ValueError(f"{find!r} occurs {count} times in the solution, expected once")
    return source.replace(find, replace)


MUTANTS = [
    # --- sigmoid -------------------------------------------------------------------------
    Mutant(
        name="sigmoid_exp_sign",
        breaks="sigmoid",
        find="return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=float)))",
        replace="return 1.0 / (1.0 + np.exp(np.asarray(x, dtype=float)))",
        description="1 / (1 + exp(x)): the minus sign in the exponent is missing.",
    ),
    # --- derivative_sigmoid --------------------------------------------------------------
    Mutant(
        name="derivative_sigmoid_double_sigmoid",
        breaks="derivative_sigmoid",
        find="    return y * (1.0 - y)\n",
        replace="    return sigmoid(y) * (1.0 - sigmoid(y))\n",
        diagnosis="pre_activation",
        description="sigmoid(x) * (1 - sigmoid(x)), the formula for the sigmoid's input, "
        "applied to its output, so the sigmoid is taken twice.",
    ),
    Mutant(
        name="derivative_sigmoid_sign_flipped",
        breaks="derivative_sigmoid",
        find="    return y * (1.0 - y)\n",
        replace="    return y * (y - 1.0)\n",
        diagnosis="sign_flipped",
        description="y * (y - 1) instead of y * (1 - y).",
    ),
    # --- loss ----------------------------------------------------------------------------
    Mutant(
        name="loss_mse_sum",
        breaks="loss",
        find="return float(np.mean((y_pred - y) ** 2))",
        replace="return float(np.sum((y_pred - y) ** 2))",
        diagnosis="factor_n",
        description="Squared errors summed instead of averaged.",
    ),
    Mutant(
        name="loss_mse_halved",
        breaks="loss",
        find="return float(np.mean((y_pred - y) ** 2))",
        replace="return float(0.5 * np.mean((y_pred - y) ** 2))",
        diagnosis="factor_2",
        description="The textbook 1/2 MSE, not the contract's MSE.",
    ),
    Mutant(
        name="loss_mse_square_of_mean",
        breaks="loss",
        find="return float(np.mean((y_pred - y) ** 2))",
        replace="return float(np.mean(y_pred - y) ** 2)",
        description="The square of the mean error instead of the mean squared error.",
    ),
    Mutant(
        name="loss_bce_arguments_swapped",
        breaks="loss",
        find="        p = np.clip(y_pred, BCE_EPS, 1.0 - BCE_EPS)\n        return float(",
        replace="        p, y = np.clip(y, BCE_EPS, 1.0 - BCE_EPS), y_pred\n        return float(",
        description="BCE with the roles of y and y_pred swapped: log of the labels.",
        loss="bce",
    ),
    Mutant(
        name="loss_bce_sign_flipped",
        breaks="loss",
        find="return float(-np.mean(",
        replace="return float(np.mean(",
        diagnosis="sign_flipped",
        description="BCE without its leading minus: a negative loss.",
        loss="bce",
    ),
    # --- derivative_loss -----------------------------------------------------------------
    Mutant(
        name="derivative_loss_mse_no_mean",
        breaks="derivative_loss",
        find="    return 2.0 * (y_pred - y) / n\n",
        replace="    return 2.0 * (y_pred - y)\n",
        diagnosis="factor_n",
        description="The 1/N of the mean is forgotten.",
    ),
    Mutant(
        name="derivative_loss_mse_sign_flipped",
        breaks="derivative_loss",
        find="    return 2.0 * (y_pred - y) / n\n",
        replace="    return 2.0 * (y - y_pred) / n\n",
        diagnosis="sign_flipped",
        description="2 (y - y_pred) / N: the derivative with respect to y, not y_pred.",
    ),
    Mutant(
        name="derivative_loss_mse_no_two",
        breaks="derivative_loss",
        find="    return 2.0 * (y_pred - y) / n\n",
        replace="    return (y_pred - y) / n\n",
        diagnosis="factor_2",
        description="The 2 of the square's derivative is forgotten.",
    ),
    Mutant(
        name="derivative_loss_bce_no_mean",
        breaks="derivative_loss",
        find="        return (p - y) / (p * (1.0 - p)) / n\n",
        replace="        return (p - y) / (p * (1.0 - p))\n",
        diagnosis="factor_n",
        description="BCE derivative without the 1/N of the mean.",
        loss="bce",
    ),
    Mutant(
        name="derivative_loss_bce_sigmoid_cancelled",
        breaks="derivative_loss",
        find="        return (p - y) / (p * (1.0 - p)) / n\n",
        replace="        return (p - y) / n\n",
        description="(y_pred - y) / N, the gradient with respect to the output layer's "
        "pre-activation, returned as the gradient with respect to y_pred.",
        loss="bce",
    ),
    # --- forward -------------------------------------------------------------------------
    Mutant(
        name="forward_output_sigmoid_missing",
        breaks="forward",
        find="        outputs.append(sigmoid(outputs[-1] @ params[w_key] + params[b_key]))\n",
        replace=(
            "        a = outputs[-1] @ params[w_key] + params[b_key]\n"
            '        outputs.append(a if w_key == "W3" else sigmoid(a))\n'
        ),
        description="The output layer is left linear: no sigmoid after W3.",
    ),
    Mutant(
        name="forward_bias_missing",
        breaks="forward",
        find="        outputs.append(sigmoid(outputs[-1] @ params[w_key] + params[b_key]))\n",
        replace="        outputs.append(sigmoid(outputs[-1] @ params[w_key]))\n",
        description="Biases never added; invisible while they are zero, as init_params "
        "leaves them, so checks need non-zero biases.",
    ),
    Mutant(
        name="forward_hidden_weight_transposed",
        breaks="forward",
        find="        outputs.append(sigmoid(outputs[-1] @ params[w_key] + params[b_key]))\n",
        replace=(
            "        w = params[w_key].T if w_key == \"W2\" else params[w_key]\n"
            "        outputs.append(sigmoid(outputs[-1] @ w + params[b_key]))\n"
        ),
        diagnosis="transposed",
        description="z1 @ W2.T: runs (wrongly) only while h1 == h2, as with the default 4-4.",
    ),
    # --- backward ------------------------------------------------------------------------
    Mutant(
        name="backward_output_sigmoid_derivative_missing",
        breaks="backward",
        find="    d_a = derivative_loss(y_pred, y) * derivative_sigmoid(y_pred)\n",
        replace="    d_a = derivative_loss(y_pred, y)\n",
        diagnosis="output_sigmoid_derivative_missing",
        description="The output error is d loss / d y_pred, without the sigmoid's derivative.",
    ),
    Mutant(
        name="backward_sign_flipped",
        breaks="backward",
        find="    d_a = derivative_loss(y_pred, y) * derivative_sigmoid(y_pred)\n",
        replace="    d_a = derivative_loss(y, y_pred) * derivative_sigmoid(y_pred)\n",
        diagnosis="sign_flipped",
        description="derivative_loss called as (y, y_pred), so every gradient points uphill.",
    ),
    Mutant(
        name="backward_bias_averaged",
        breaks="backward",
        find="        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n",
        replace="        grads[b_key] = d_a.mean(axis=0, keepdims=True)\n",
        diagnosis="bias_not_summed",
        description="Bias gradients averaged over samples although d_a already holds the 1/N.",
    ),
    Mutant(
        name="backward_bias_per_sample",
        breaks="backward",
        find="        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n",
        replace="        grads[b_key] = d_a\n",
        diagnosis="bias_not_summed",
        description="Bias gradients kept per sample, shape (N, h); update then broadcasts.",
    ),
    Mutant(
        name="backward_biases_frozen",
        breaks="backward",
        find="        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n",
        replace="        grads[b_key] = np.zeros((1, d_a.shape[1]))\n",
        description="Bias gradients are zero: the biases never learn.",
    ),
    Mutant(
        name="backward_hidden_weight_not_transposed",
        breaks="backward",
        find="            d_a = (d_a @ params[w_key].T) * derivative_sigmoid(z_prev)\n",
        replace=(
            '            w = params[w_key] if w_key == "W2" else params[w_key].T\n'
            "            d_a = (d_a @ w) * derivative_sigmoid(z_prev)\n"
        ),
        diagnosis="transposed",
        description="Back through the square W2 with W2 instead of W2.T: no error while "
        "h1 == h2, wrong gradients for W1 and b1.",
    ),
    Mutant(
        name="backward_weight_grad_operands_swapped",
        breaks="backward",
        find="        grads[w_key] = z_prev.T @ d_a\n",
        replace="        grads[w_key] = d_a.T @ z_prev\n",
        diagnosis="transposed",
        description="d_a.T @ z_prev: every weight gradient is the transpose of the right one.",
    ),
    Mutant(
        name="backward_hidden_sigmoid_derivative_missing",
        breaks="backward",
        find="            d_a = (d_a @ params[w_key].T) * derivative_sigmoid(z_prev)\n",
        replace="            d_a = d_a @ params[w_key].T\n",
        diagnosis="only_last_layer_right",
        description="The hidden layers' sigmoid derivatives are left out.",
    ),
    Mutant(
        name="backward_derivative_of_pre_activation",
        breaks="backward",
        find=(
            "    d_a = derivative_loss(y_pred, y) * derivative_sigmoid(y_pred)\n"
            "    grads = {}\n"
            "    for layer in reversed(range(len(LAYERS))):\n"
            "        w_key, b_key = LAYERS[layer]\n"
            "        z_prev = outputs[layer]\n"
            "        grads[w_key] = z_prev.T @ d_a\n"
            "        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n"
            "        if layer > 0:\n"
            "            d_a = (d_a @ params[w_key].T) * derivative_sigmoid(z_prev)\n"
        ),
        replace=(
            "    pre = [z @ params[w] + params[b] for z, (w, b) in zip(outputs, LAYERS)]\n"
            "    d_a = derivative_loss(y_pred, y) * derivative_sigmoid(pre[-1])\n"
            "    grads = {}\n"
            "    for layer in reversed(range(len(LAYERS))):\n"
            "        w_key, b_key = LAYERS[layer]\n"
            "        z_prev = outputs[layer]\n"
            "        grads[w_key] = z_prev.T @ d_a\n"
            "        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n"
            "        if layer > 0:\n"
            "            d_a = (d_a @ params[w_key].T) * derivative_sigmoid(pre[layer - 1])\n"
        ),
        diagnosis="pre_activation",
        description="derivative_sigmoid called on every layer's pre-activation a = z @ W + b "
        "instead of its output z.",
    ),
    Mutant(
        name="backward_updates_params_in_place",
        breaks="backward",
        find="        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n",
        replace=(
            "        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n"
            "        params[w_key] -= grads[w_key]\n"
        ),
        diagnosis="params_modified",
        description="Each layer's weights are updated in place before back-propagating "
        "through them, so the caller's params change and the lower layers' gradients "
        "use the new weights.",
    ),
    Mutant(
        name="backward_mean_taken_twice",
        breaks="backward",
        find=(
            "        grads[w_key] = z_prev.T @ d_a\n"
            "        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n"
        ),
        replace=(
            "        grads[w_key] = z_prev.T @ d_a / len(y)\n"
            "        grads[b_key] = d_a.sum(axis=0, keepdims=True) / len(y)\n"
        ),
        diagnosis="factor_n",
        description="Every gradient divided by N again, although derivative_loss already "
        "holds the 1/N.",
    ),
    # --- update --------------------------------------------------------------------------
    Mutant(
        name="update_adds_gradient",
        breaks="update",
        find="params[key] - lr * grads[key]",
        replace="params[key] + lr * grads[key]",
        diagnosis="sign_flipped",
        description="Gradient ascent: + instead of -.",
    ),
    Mutant(
        name="update_ignores_lr",
        breaks="update",
        find="params[key] - lr * grads[key]",
        replace="params[key] - grads[key]",
        description="The learning rate is never used.",
    ),
    Mutant(
        name="update_weights_only",
        breaks="update",
        find="    return {key: params[key] - lr * grads[key] for key in params}\n",
        replace=(
            "    return {key: params[key] - lr * grads[key] if key.startswith(\"W\") "
            "else params[key] for key in params}\n"
        ),
        description="Only the weights are updated; the biases stay where they started.",
    ),
    # --- show_result ---------------------------------------------------------------------
    Mutant(
        name="show_result_titles_swapped",
        breaks="show_result",
        find='    panels = (("Ground truth", y), ("Predict result", pred_y))\n',
        replace='    panels = (("Predict result", y), ("Ground truth", pred_y))\n',
        description="The two panels' titles are swapped.",
    ),
    Mutant(
        name="show_result_titles_missing",
        breaks="show_result",
        find="        ax.set_title(title)\n",
        replace="",
        description="The panels have no titles.",
    ),
    Mutant(
        name="show_result_ground_truth_twice",
        breaks="show_result",
        find='    panels = (("Ground truth", y), ("Predict result", pred_y))\n',
        replace='    panels = (("Ground truth", y), ("Predict result", y))\n',
        description="Copy-paste: the prediction panel shows the labels again.",
    ),
    Mutant(
        name="show_result_probabilities_colour_mapped",
        breaks="show_result",
        find=(
            "        classes = (np.asarray(labels)[:, 0] >= 0.5).astype(int)\n"
            "        ax.scatter(x[:, 0], x[:, 1], c=CLASS_COLOURS[classes])\n"
        ),
        replace='        ax.scatter(x[:, 0], x[:, 1], c=np.asarray(labels)[:, 0], cmap="bwr")\n',
        description="Raw probabilities on a continuous colour map: predictions of one "
        "class come out in many shades, not in one colour per class.",
    ),
    Mutant(
        name="show_result_two_colour_map_autoscaled",
        breaks="show_result",
        find=(
            "        classes = (np.asarray(labels)[:, 0] >= 0.5).astype(int)\n"
            "        ax.scatter(x[:, 0], x[:, 1], c=CLASS_COLOURS[classes])\n"
        ),
        replace=(
            "        ax.scatter(x[:, 0], x[:, 1], c=np.asarray(labels)[:, 0], "
            "cmap=plt.cm.bwr.resampled(2))\n"
        ),
        description="Raw probabilities on a two-colour map (as in a student report): the "
        "colour threshold sits midway between the smallest and largest prediction, not at "
        "0.5, so it shows up only when predictions are not symmetric about 0.5.",
    ),
    Mutant(
        name="show_result_axes_swapped",
        breaks="show_result",
        find="        ax.scatter(x[:, 0], x[:, 1], c=CLASS_COLOURS[classes])\n",
        replace="        ax.scatter(x[:, 1], x[:, 0], c=CLASS_COLOURS[classes])\n",
        description="x2 plotted against x1: every point mirrored in the diagonal.",
    ),
    # --- show_learning_curve -------------------------------------------------------------
    Mutant(
        name="show_learning_curve_labels_missing",
        breaks="show_learning_curve",
        find='    ax.set_xlabel("epoch")\n    ax.set_ylabel("loss")\n',
        replace="",
        description="Neither axis is labelled.",
    ),
    Mutant(
        name="show_learning_curve_labels_swapped",
        breaks="show_learning_curve",
        find='    ax.set_xlabel("epoch")\n    ax.set_ylabel("loss")\n',
        replace='    ax.set_xlabel("loss")\n    ax.set_ylabel("epoch")\n',
        description="The axis labels are swapped.",
    ),
    Mutant(
        name="show_learning_curve_every_100th",
        breaks="show_learning_curve",
        find="    ax.plot(np.arange(1, len(losses) + 1), losses)\n",
        replace="    ax.plot(np.arange(1, len(losses) + 1, 100), losses[::100])\n",
        description="Only every 100th loss is plotted, as the training loop printed them.",
    ),
]
