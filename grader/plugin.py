"""The pytest plugin that turns grader/checks/ into a grading session.

It adds the options --submission and --timeout, the fixtures the checks use
(`student`, `reference`), the `check` marker, and, through pytest-json-report's
metadata hook, each check's name, points, visibility and feedback in the report.
"""

from pathlib import Path

import pytest

from grader.cases import widths_label
from grader.check import VISIBLE, CheckFailed
from grader.reference import RecordingReference, StoredReference, load_reference
from grader.student import StudentCode
from grader.submission import DEFAULT_TIMEOUT, Limits, Submission


def pytest_addoption(parser):
    group = parser.getgroup("grader")
    group.addoption("--submission", help="backprop.py, or a directory holding it")
    group.addoption("--timeout", type=float, default=DEFAULT_TIMEOUT,
                    help="seconds one call into the submission may take")
    group.addoption("--memory", type=int, default=Limits.memory_mb,
                    help="MB of address space the submission's process may use")
    group.addoption("--zygote", help="Unix socket of a worker zygote to fork workers from")
    group.addoption("--hidden-seed", type=int, default=7919,
                    help="seed of the hidden checks' fresh inputs and data")
    group.addoption("--report-points", type=float, default=0,
                    help="points of each check of a notebook's report outputs (default 0)")
    group.addoption("--figures-dir", help="directory where the figures drawn are saved")
    group.addoption("--record-reference", metavar="FILE",
                    help="save every reference answer the checks use into FILE (.npz)")
    group.addoption("--reference-values", metavar="FILE",
                    help="read reference answers from FILE (.npz) instead of the solution")


def pytest_configure(config):
    config.addinivalue_line("markers", "check(name, points, visibility): a graded check")
    _session["config"] = config


# Checks run and are reported in this order of groups (a name's text before the colon).
GROUP_ORDER = ("rules", "sigmoid", "derivative_sigmoid", "loss", "derivative_loss", "forward",
               "backward", "update", "convergence", "show_result", "show_learning_curve",
               "tanh", "relu", "momentum_update", "adam_update", "report")


def group_rank(item):
    marker = item.get_closest_marker("check")
    group = marker.kwargs["name"].split(":", 1)[0] if marker else ""
    return GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)


def pytest_collection_modifyitems(items):
    items.sort(key=group_rank)


@pytest.fixture(scope="session")
def student(request):
    option = request.config.getoption
    limits = Limits(timeout=option("timeout"), memory_mb=option("memory"))
    with Submission(option("submission"), limits, zygote=option("zygote")) as submission:
        request.config.stash[GRADED] = describe_submission(submission)
        yield StudentCode(submission)


NOTE = pytest.StashKey[str]()
GRADED = pytest.StashKey[dict]()


def describe_submission(submission):
    """What the report says of the file graded (plain data, for the JSON report)."""
    notebook = submission.notebook
    return {"graded": submission.graded, "code": submission.code,
            "cells": notebook.cells if notebook else {},
            "skipped_cells": notebook.skipped if notebook else [],
            "not_enforced": list(submission.not_enforced)}


_session = {}  # the running session's config (one session at a time per process)


@pytest.hookimpl(optionalhook=True)
def pytest_json_modifyreport(json_report):
    """Put what was graded into the report (read back by grader.scoring)."""
    config = _session.get("config")
    if config is not None and GRADED in config.stash:
        json_report["submission"] = config.stash[GRADED]


@pytest.fixture
def note(request):
    """note(text): a line shown with the check when it passes (what was measured)."""
    def record(text):
        request.node.stash[NOTE] = text

    return record


@pytest.fixture(scope="session")
def figures_dir(request):
    """Where figure checks save the PNGs they saw (None: do not save)."""
    path = request.config.getoption("figures_dir")
    return Path(path) if path else None


@pytest.fixture(scope="session")
def reference(request):
    """The reference answers; with --record-reference, also saved for later use."""
    stored = request.config.getoption("reference_values")
    if stored:
        yield StoredReference(stored)
        return
    path = request.config.getoption("record_reference")
    if not path:
        yield load_reference()
        return
    recorder = RecordingReference()
    yield recorder
    recorder.save(path)


def check_name(item):
    """The check's name with its parameters filled in."""
    marker = item.get_closest_marker("check")
    params = getattr(item, "callspec", None)
    values = {key: widths_label(value) if isinstance(value, tuple) else value
              for key, value in (params.params.items() if params else ())}
    return marker.kwargs["name"].format(**values)


def defining_cell(config, function):
    """The notebook cell ("In [7]") that defines function, for a notebook submission."""
    return config.stash[GRADED]["cells"].get(function) if GRADED in config.stash else None


def feedback(excinfo):
    """(message for the student, whether the function is still a stub) of a failure."""
    error = excinfo.value
    if isinstance(error, CheckFailed):
        return str(error), error.not_implemented
    if isinstance(error, AssertionError):
        return str(error) or "check failed", False
    return (f"the grader could not run this check ({type(error).__name__}: {error}); "
            "please report it to the course staff"), False


@pytest.hookimpl(optionalhook=True)
def pytest_json_runtest_metadata(item, call):
    marker = item.get_closest_marker("check")
    # A check's outcome is its call; a setup stage matters only when it failed.
    if marker is None or (call.when != "call" and call.excinfo is None):
        return {}
    name = check_name(item)
    points = marker.kwargs["points"]
    if name.startswith("report:"):
        points = item.config.getoption("report_points")
    metadata = {
        "name": name,
        "points": points,
        "visibility": marker.kwargs.get("visibility", VISIBLE),
        "bonus": marker.kwargs.get("bonus", False),
    }
    if call.excinfo is not None:
        metadata["feedback"], metadata["not_implemented"] = feedback(call.excinfo)
        cell = defining_cell(item.config, name.split(":", 1)[0])
        if cell:
            metadata["feedback"] += f"\n  ({name.split(':', 1)[0]} is defined in {cell})"
        metadata["internal_error"] = not isinstance(call.excinfo.value, AssertionError)
    elif NOTE in item.stash:
        metadata["feedback"] = item.stash[NOTE]
    return metadata

