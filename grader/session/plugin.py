"""The pytest plugin that turns grader/checks/ into a grading session.

`GradingSession` is the plugin object of one grade: grader.grade hands it to
`pytest.main(plugins=[...])` with the submission and its GradeOptions, and it collects
every check's CheckResult as the checks run. The fixtures the checks use (`student`,
`reference`, `note`, `figures_dir`, `options`) live in this module and read the session
object from the config. pytest-json-report, when loaded, records each check's result in
its report (the machine-readable record of the run); nothing reads it back.
"""

from dataclasses import asdict
from pathlib import Path

import pytest

from grader.intake.prepare import Prepared
from grader.lab import GROUPS, REPORT
from grader.sandbox.handle import WorkerHandle
from grader.sandbox.launch import Limits
from grader.session.cases import widths_label
from grader.session.marker import VISIBLE, CheckFailed
from grader.session.outcome import FAILED, NOT_RUN, PASSED, CheckResult
from grader.session.reference import RecordingReference, StoredReference, load_reference
from grader.session.student import StudentCode

SESSION = pytest.StashKey["GradingSession"]()
NOTE = pytest.StashKey[str]()


class GradingSession:
    """One grade of `submission` with `options` (a GradeOptions), as a pytest plugin.

    After the run: results, the CheckResults in the order the checks ran; graded,
    code, notebook: what was graded (from grader.intake).
    """

    def __init__(self, submission, options):
        self.submission_path, self.options = submission, options
        self.results = []
        self.prepared = None

    @property
    def graded(self):
        return self.prepared.graded if self.prepared else ""

    @property
    def code(self):
        return self.prepared.code if self.prepared else ""

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "check(name, group, points, visibility, bonus): "
                                           "a graded check")
        config.stash[SESSION] = self

    def pytest_collection_modifyitems(self, items):
        items.sort(key=group_rank)

    def pytest_runtest_makereport(self, item, call):
        """Record the check's CheckResult (returns None: pytest still makes the report)."""
        marker = item.get_closest_marker("check")
        # A check's outcome is its call; a setup stage matters only when it failed.
        # A skipped check (a bonus not written, a report check of a .py) is left out.
        if marker is None or (call.when != "call" and call.excinfo is None) or (
                call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception)):
            return
        item.stash[RESULT] = result = self.result_of(item, marker, call)
        self.results.append(result)

    def result_of(self, item, marker, call):
        name = check_name(item)
        group = marker.kwargs["group"]
        points = self.options.report_points if group == REPORT else marker.kwargs["points"]
        kind, messages, internal = PASSED, (), False
        if call.excinfo is not None:
            kind, message, internal = failure(call.excinfo)
            messages = (message,)
            notebook = self.prepared.notebook if self.prepared else None
            cell = notebook.cells.get(group) if notebook else None
            if cell:
                messages += (f"  ({group} is defined in {cell})",)
        elif NOTE in item.stash:
            messages = (item.stash[NOTE],)
        return CheckResult(name=name, group=group, kind=kind, points=points,
                           visibility=marker.kwargs.get("visibility", VISIBLE),
                           messages=messages, bonus=marker.kwargs.get("bonus", False),
                           internal_error=internal)

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_runtest_metadata(self, item, call):
        """Each check's result in pytest-json-report's record of the run."""
        result = item.stash.get(RESULT, None)
        return asdict(result) if result is not None else {}

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_modifyreport(self, json_report):
        json_report["submission"] = {"graded": self.graded}


RESULT = pytest.StashKey[CheckResult]()


def group_rank(item):
    marker = item.get_closest_marker("check")
    group = marker.kwargs["group"] if marker else ""
    return GROUPS.index(group) if group in GROUPS else len(GROUPS)


def check_name(item):
    """The check's name with its parameters filled in."""
    marker = item.get_closest_marker("check")
    params = getattr(item, "callspec", None)
    values = {key: widths_label(value) if isinstance(value, tuple) else value
              for key, value in (params.params.items() if params else ())}
    return marker.kwargs["name"].format(**values)


def failure(excinfo):
    """(kind, message for the student, whether the grader failed) of a check's exception."""
    error = excinfo.value
    if isinstance(error, CheckFailed):
        return error.kind, str(error), False
    if isinstance(error, AssertionError):
        return FAILED, str(error) or "check failed", False
    return (NOT_RUN, f"the grader could not run this check ({type(error).__name__}: {error}); "
                     "please report it to the course staff", True)


def grading(request):
    """The GradingSession running this test."""
    return request.config.stash[SESSION]


@pytest.fixture(scope="session")
def options(request):
    """The GradeOptions of this grade."""
    return grading(request).options


@pytest.fixture(scope="session")
def student(request):
    session = grading(request)
    options = session.options
    limits = Limits(timeout=options.timeout, memory_mb=options.memory)
    with Prepared(session.submission_path) as submission:
        session.prepared = submission
        worker = None if submission.problem else WorkerHandle(
            submission.path, limits, zygote=options.zygote, sandbox=options.sandbox)
        try:
            yield StudentCode(submission, worker)
        finally:
            if worker is not None:
                worker.close()


@pytest.fixture
def note(request):
    """note(text): a line shown with the check when it passes (what was measured)."""
    def record(text):
        request.node.stash[NOTE] = text

    return record


@pytest.fixture(scope="session")
def figures_dir(request):
    """Where figure checks save the PNGs they saw."""
    return Path(grading(request).options.out)


@pytest.fixture(scope="session")
def reference(request):
    """The reference answers; with record_reference, also saved for later use."""
    options = grading(request).options
    if options.reference_values:
        yield StoredReference(options.reference_values)
        return
    if not options.record_reference:
        yield load_reference()
        return
    recorder = RecordingReference()
    yield recorder
    recorder.save(options.record_reference)
