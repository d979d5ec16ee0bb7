"""The pytest plugin that turns grader/checks/ into a grading session.

`GradingSession` is the plugin object of one grade: grader.grade hands it to
`pytest.main(plugins=[...])` with the prepared submission, the handle on its worker and
the GradeOptions, and it collects every check's CheckResult as the checks run. The
fixtures the checks use (`student`, `reference`, `note`, `figures_dir`, `options`) live
in this module and read the session object from the config. pytest-json-report, when
loaded, records each check's result in its report (the machine-readable record of the
run, kept as GradingSession.record); the grader does not read it back.
"""

import functools
from dataclasses import asdict
from pathlib import Path

import pytest

from grader.lab import GROUPS, REPORT
from grader.sandbox.handle import WorkerNotReady
from grader.session.backprop_rule import WideCase
from grader.session.cases import widths_label
from grader.session.marker import VISIBLE, CheckFailed
from grader.session.outcome import FAILED, GRADER_ERROR, PASSED, CheckResult
from grader.session.reference import RecordingReference, StoredReference, load_reference
from grader.session.student import StudentCode

SESSION = pytest.StashKey["GradingSession"]()
NOTE = pytest.StashKey[str]()


class GradingSession:
    """One grade as a pytest plugin.

    prepared: the grader.intake.prepare.Prepared submission; worker: the
    grader.sandbox.handle.WorkerHandle serving it (None when there is nothing to import);
    options: the GradeOptions. After the run, results holds the CheckResults in the
    order the checks ran, and record pytest-json-report's report of the run (when the
    json-report plugin ran).
    """

    def __init__(self, prepared, worker, options):
        self.prepared, self.worker, self.options = prepared, worker, options
        self.results = []
        self.record = None
        self.import_error = ""  # why the submission could not be imported, in full
        self.missing_groups = ()  # check groups of the lab with no check: nothing ran
        # The sentence of a failure of the grader's own that stops the whole grade (no
        # worker could get ready), once a check met one.
        self.grader_failure = None
        self.unloadable = []  # (check module, its error) of the check files that fail to load

    @property
    def isolation(self):
        """What kept the submission apart, as its worker reports it (None: not known)."""
        return getattr(self.worker, "isolation", None)

    @property
    def not_enforced(self):
        """The isolation limits the platform could not enforce on the worker (a tuple)."""
        return tuple(getattr(self.worker, "not_enforced", ()))

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "check(name, group, points, visibility, bonus): "
                                           "a graded check")
        config.addinivalue_line("markers", "run_last: runs after every other check")
        config.stash[SESSION] = self

    def pytest_collection_modifyitems(self, items):
        if not self.options.keyword:  # a full grade: every group of the lab has checks
            found = {item.get_closest_marker("check").kwargs["group"] for item in items
                     if item.get_closest_marker("check")}
            self.missing_groups = tuple(group for group in GROUPS if group not in found)
            if self.missing_groups:  # a check file is gone: grading would score too little
                items.clear()
                return
        items.sort(key=group_rank)
        for item in items:
            item.repr_failure = functools.partial(short_failure, item.repr_failure)

    def pytest_collectreport(self, report):
        """Keep the check modules that cannot be loaded (a syntax error, an import that
        fails): the grader's failure, which pytest would report as an interrupted run."""
        if report.failed:
            lines = [line for line in str(report.longrepr).splitlines() if line.strip()]
            self.unloadable.append((report.nodeid, lines[-1].removeprefix("E").strip()
                                    if lines else "it could not be loaded"))

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
        kind, messages = PASSED, ()
        if call.excinfo is not None:
            kind, message = failure(call.excinfo)
            if call.excinfo.errisinstance(WorkerNotReady) and self.grader_failure is None:
                self.grader_failure = str(call.excinfo.value)
            messages = (message,)
            notebook = self.prepared.notebook
            cell = notebook.cells.get(group) if notebook else None
            if cell:
                messages += (f"  ({group} is defined in {cell})",)
        elif NOTE in item.stash:
            messages = (item.stash[NOTE],)
        return CheckResult(name=name, group=group, kind=kind, points=points,
                           visibility=marker.kwargs.get("visibility", VISIBLE),
                           messages=messages, bonus=marker.kwargs.get("bonus", False))

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_runtest_metadata(self, item, call):
        """Each check's result in pytest-json-report's record of the run."""
        result = item.stash.get(RESULT, None)
        return asdict(result) if result is not None else {}

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_modifyreport(self, json_report):
        json_report["submission"] = {"graded": self.prepared.graded}
        self.record = json_report


RESULT = pytest.StashKey[CheckResult]()


def group_rank(item):
    if item.get_closest_marker("run_last"):  # judges what every other check's calls showed
        return len(GROUPS) + 1
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
    """(kind, message) of a check's exception. A check fails the submission by raising
    CheckFailed or AssertionError; any other exception is the grader's own failure."""
    error = excinfo.value
    if isinstance(error, CheckFailed):
        return error.kind, str(error)
    if isinstance(error, AssertionError):
        return FAILED, str(error) or "check failed"
    return GRADER_ERROR, f"the grader failed on this check ({type(error).__name__}: {error})"


def short_failure(full_repr, excinfo, *args):
    """What pytest records of a failed check: the failure's message. The traceback of a
    check that failed is the grader's own, of no use to anyone, and formatting it cost
    a tenth of a second a grade; an error of the grader itself keeps the whole one."""
    if excinfo.errisinstance((CheckFailed, AssertionError)):
        return f"{excinfo.typename}: {excinfo.value}"
    return full_repr(excinfo, *args)


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
    code = StudentCode(session.prepared, session.worker)
    yield code
    session.import_error = code.import_failure()


@pytest.fixture(scope="session")
def backprop_rule(student):
    """backprop_rule(): the submission's WideCase (grader.session.backprop_rule), built on
    first use, once per grading session: the backward checks, hidden ones too, need it."""
    return functools.cache(lambda: WideCase(student))


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
