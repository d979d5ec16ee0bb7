"""show_result and show_learning_curve, judged on the figure they draw.

The worker describes the figure (grader/figures.py): axes, titles, labels, every
point with its colour, every curve. Colours are compared per class, so any two
distinct colours pass as long as the classes are coloured apart consistently. A wrong
title costs only the title check: the panels are told apart by their titles when both
are right, else left to right. Titles and axis labels earn their points only once the
figure's content is right.
"""

from functools import partial

import numpy as np
import pytest

from grader.session.cases import inputs, rng
from grader.session.marker import CheckFailed, check, fail_unless
from grader.session.outcome import line
from grader.session.patterns import exact_comparison

N_POINTS = 24
TITLES = {"ground truth": "Ground truth", "predict result": "Predict result"}


def result_inputs():
    """x (N, 2), labels y and probabilities pred_y that get 3 samples wrong.

    The probabilities are not symmetric about 0.5 (class 1 in [0.52, 0.75], class 0 in
    [0.02, 0.45]), so colouring by anything but pred_y >= 0.5 (a colour map scaled to
    the values' range, say) puts some points in the wrong class.
    """
    x, y = inputs(N_POINTS, seed=3)
    generator = rng(3)
    predicted = y.copy()
    predicted[:3] = 1.0 - predicted[:3]  # wrong predictions, so the two panels differ
    pred_y = np.where(predicted == 1.0, generator.uniform(0.52, 0.75, (N_POINTS, 1)),
                      generator.uniform(0.02, 0.45, (N_POINTS, 1)))
    pred_y[np.argmax(np.where(predicted == 0.0, pred_y, 0.0))] = 0.45  # just under 0.5
    return x, y, pred_y


def save_png(figures_dir, name, figure):
    if figures_dir is not None:
        figures_dir.mkdir(parents=True, exist_ok=True)
        path = figures_dir / f"{name}.png"
        path.unlink(missing_ok=True)  # a link planted there is removed, never written through
        path.write_bytes(figure["png"].tobytes())


@pytest.fixture(scope="session")
def result_figure(student, figures_dir):
    """(inputs, description of the figure show_result drew), drawn once per session."""
    x, y, pred_y = result_inputs()
    try:
        figure = student.figure("show_result", x, y, pred_y)
    except CheckFailed as error:
        return error
    save_png(figures_dir, "show_result", figure)
    return (x, y, pred_y), figure


def panels(result_figure):
    """{"ground truth": axes, "predict result": axes} of the two panels that hold points.

    By title where the two titles are the expected ones (in any order, ignoring case and
    surrounding spaces), else in the order drawn: plt.subplots(1, 2) makes the left first.
    """
    with_points = axes_with_points(result_figure)
    titles = {ax["title"].strip().lower(): ax for ax in with_points}
    if set(titles) == set(TITLES):
        return titles
    return dict(zip(TITLES, with_points))


def axes_with_points(result_figure):
    """The two axes of the figure that hold points; fails unless there are exactly two."""
    if isinstance(result_figure, CheckFailed):
        raise result_figure
    _, figure = result_figure
    with_points = [ax for ax in figure["axes"] if ax["points"]]
    fail_unless(len(with_points) == 2,
                f"show_result's figure has {len(with_points)} axes with points; expected "
                "two scatter subplots side by side (plt.subplots(1, 2))")
    return with_points


def sample_colours(ax, x, title):
    """(N, 4) colour of each sample in a panel; fails unless the points are exactly x."""
    xy = np.concatenate([group["xy"] for group in ax["points"]])
    colours = np.concatenate([group["colours"] for group in ax["points"]])
    fail_unless(len(xy) == len(x),
                f"the {title!r} panel has {len(xy)} points for {len(x)} samples; draw one "
                "point per sample")
    drawn, wanted = np.lexsort(xy.T[::-1]), np.lexsort(x.T[::-1])
    fail_unless(np.allclose(xy[drawn], x[wanted], atol=1e-9),
                f"the points of the {title!r} panel are not at the samples' coordinates; "
                "plot x[:, 0] horizontally and x[:, 1] vertically")
    by_sample = np.empty_like(colours)
    by_sample[wanted] = colours[drawn]
    return by_sample


def class_colours(colours, classes, title):
    """{class: colour} when every sample of a class has one colour and classes differ."""
    found = {}
    for label in (0, 1):
        members = np.unique(np.round(colours[classes == label], 6), axis=0)
        fail_unless(len(members) == 1,
                    f"in the {title!r} panel the class-{label} points have {len(members)} "
                    "different colours; colour each point by its class (0 or 1)")
        found[label] = members[0]
    fail_unless(not np.allclose(found[0], found[1]),
                f"in the {title!r} panel both classes have the same colour")
    return found


def result_points(result_figure):
    axes = panels(result_figure)
    (x, _, _), _ = result_figure
    for title, ax in axes.items():
        sample_colours(ax, x, TITLES[title])


def result_truth_colours(result_figure):
    ax = panels(result_figure)["ground truth"]
    (x, y, _), _ = result_figure
    class_colours(sample_colours(ax, x, "Ground truth"), y[:, 0].astype(int), "Ground truth")


def probability_hint(student, colours):
    """A diagnosis line when every prediction has one colour: pred_y compared with a
    number by == (the handout's `pred_y[i] == 0`) never matches a probability."""
    if len(np.unique(np.round(colours, 6), axis=0)) != 1:
        return ""
    where = exact_comparison(student.submission.code or "", "show_result", 2)
    on_line = f" on line {where}" if student.submission.notebook is None else ""
    compared = f"show_result compares pred_y with =={on_line}, and " if where else ""
    return line(f"every prediction has the same colour: {compared}pred_y holds "
                "probabilities, never exactly 0 or 1, so an exact comparison puts them all "
                "in one class; a class-1 prediction is pred_y >= 0.5")


def result_prediction_colours(student, result_figure):
    axes = panels(result_figure)
    (x, y, pred_y), _ = result_figure
    truth = class_colours(sample_colours(axes["ground truth"], x, "Ground truth"),
                          y[:, 0].astype(int), "Ground truth")
    predicted = (pred_y[:, 0] >= 0.5).astype(int)
    colours = sample_colours(axes["predict result"], x, "Predict result")
    try:
        found = class_colours(colours, predicted, "Predict result")
    except CheckFailed as error:
        raise CheckFailed(str(error) + probability_hint(student, colours)) from None
    fail_unless(all(np.allclose(found[c], truth[c]) for c in (0, 1)),
                "the two panels use different colours for the same class; use one colour "
                "per class in both")


@check("show_result: two panels with points, side by side", points=1)
def check_result_panels(student, result_figure, figures_dir, note):
    axes_with_points(result_figure)
    student.require_working("show_result", partial(result_points, result_figure))
    if figures_dir is not None:
        note("figure saved as show_result.png next to the results")


@check("show_result: one point per sample at its coordinates, in both panels", points=2)
def check_result_points(student, result_figure):
    with student.judging("show_result"):
        result_points(result_figure)


@check("show_result: Ground truth colours the two classes apart, by label", points=3)
def check_result_truth_colours(student, result_figure):
    with student.judging("show_result"):
        result_truth_colours(result_figure)


@check("show_result: Predict result colours the predictions >= 0.5 like Ground truth",
       points=3)
def check_result_prediction_colours(student, result_figure):
    with student.judging("show_result"):
        result_prediction_colours(student, result_figure)


@check("show_result: the panels are titled Ground truth and Predict result", points=1)
def check_result_titles(student, result_figure):
    titles = [ax["title"] for ax in axes_with_points(result_figure)]
    fail_unless(sorted(title.strip().lower() for title in titles) == sorted(TITLES),
                f"the panels are titled {titles}; expected 'Ground truth' (the labels) and "
                "'Predict result' (the predictions)")
    student.require_working("show_result", partial(result_points, result_figure))


LOSSES = 0.25 * np.exp(-np.arange(60) / 12.0) + 0.002 * np.sin(np.arange(60))


@pytest.fixture(scope="session")
def curve_figure(student, figures_dir):
    try:
        figure = student.figure("show_learning_curve", LOSSES.tolist())
    except CheckFailed as error:
        return error
    save_png(figures_dir, "show_learning_curve", figure)
    return figure


def curve_axes(curve_figure):
    if isinstance(curve_figure, CheckFailed):
        raise curve_figure
    return [ax for ax in curve_figure["axes"] if ax["curves"]]


def curve_values(curve_figure):
    axes = curve_axes(curve_figure)
    fail_unless(axes, "show_learning_curve drew no line; plot the losses with ax.plot")
    curves = [curve for ax in axes for curve in ax["curves"]]
    n = len(LOSSES)
    lengths = sorted({len(curve["y"]) for curve in curves})
    drawn = " or ".join(map(str, lengths))
    fail_unless(any(len(curve["y"]) == n for curve in curves),
                f"the curve{'s have' if len(curves) > 1 else ' has'} {drawn} "
                f"point{'s' if lengths[-1] != 1 else ''} for {n} losses; plot all of them")
    matching = [curve for curve in curves
                if len(curve["y"]) == n and np.allclose(curve["y"], LOSSES, rtol=1e-9)]
    fail_unless(matching, "the curve's values are not the losses given, in order")
    epochs_ok = any(np.allclose(curve["x"], np.arange(n) + start)
                    for curve in matching for start in (0, 1))
    fail_unless(epochs_ok, "the curve's x values are not the epochs 0..E-1 or 1..E")


@check("show_learning_curve: plots every loss, in order, against the epoch", points=3)
def check_curve_values(student, curve_figure, figures_dir, note):
    with student.judging("show_learning_curve"):
        curve_values(curve_figure)
    if figures_dir is not None:
        note("figure saved as show_learning_curve.png next to the results")


@check("show_learning_curve: axis labels mention epoch and loss", points=1)
def check_curve_labels(student, curve_figure):
    axes = curve_axes(curve_figure)
    fail_unless(axes, "show_learning_curve drew no line")
    labelled = any("epoch" in ax["xlabel"].lower() and "loss" in ax["ylabel"].lower()
                   for ax in axes)
    fail_unless(labelled, f"axis labels are x={axes[0]['xlabel']!r}, y={axes[0]['ylabel']!r}; "
                          "label x with 'epoch' and y with 'loss'")
    student.require_working("show_learning_curve", partial(curve_values, curve_figure))
