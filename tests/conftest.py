"""Shared fixtures: the reference module, imported fresh from solution/; grades and the
student template, made once per session for the tests that only read them.

Run in parallel (`make test`: pytest-xdist, one file per worker), a test marked `serial`
runs while no other test does: it looks at every process of the machine, or it needs the
machine's cores for its short timeouts. The others run side by side, the longest files
first (SLOWEST_FILES) so that both workers finish together.
"""

import contextlib
import os
from pathlib import Path

import matplotlib
import pytest

from grader.authoring.exports.template import export_template
from grader.grade import grade
from grader.paths import SOLUTION_DIR
from grader.sandbox.loading import import_file

matplotlib.use("Agg")

# The test files that take longest, longest first (as `pytest --durations=0` measures them,
# summed per file). `make test` hands files to its two workers in collection order
# (--no-loadscope-reorder), so these start first and the short files fill in at the end;
# otherwise a long file started last would keep one worker busy while the other idles.
SLOWEST_FILES = ("test_grader_examples.py", "test_cheats.py", "test_sandbox.py",
                 "test_student_styles.py", "test_regrade.py", "test_exports.py",
                 "test_reference.py", "test_import_exceptions.py", "test_classroom50.py",
                 "test_check_edges.py", "test_grader.py", "test_sandbox_regrade.py",
                 "test_notebook_submissions.py", "test_privileges.py", "test_regrade_moodle.py",
                 "test_workflows.py", "test_platform.py", "test_regrade_class.py",
                 "test_hostile_handins.py")


def pytest_collection_modifyitems(items):
    """The files of SLOWEST_FILES first, in its order; the tests of a file keep theirs."""
    def rank(item):
        name = item.path.name
        return SLOWEST_FILES.index(name) if name in SLOWEST_FILES else len(SLOWEST_FILES)

    items.sort(key=rank)  # stable: every other order is kept


@pytest.fixture
def lab():
    """solution/backprop.py as a fresh module (so LOSS changes do not leak)."""
    return import_file(SOLUTION_DIR / "backprop.py", "_solution_under_test")


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """graded(submission, **options): the Results of grade(submission, **options), graded
    once per session however many tests ask. `submission` is a path (graded where it is)
    or, as a str, the text of a backprop.py (graded from a folder of its own).

    For tests that read the Results only: never the out folder (shared), nor the path of
    a file they wrote themselves. Results are frozen, so no test can change another's.
    """
    cache = {}

    def graded_once(submission, **options):
        key = (type(submission).__name__, str(submission), tuple(sorted(options.items())))
        if key not in cache:
            folder = tmp_path_factory.mktemp("graded")
            if isinstance(submission, str):
                (folder / "submission").mkdir()
                (folder / "submission" / "backprop.py").write_text(submission, encoding="utf-8")
                submission = folder / "submission"
            cache[key] = grade(Path(submission), out_dir=folder / "out", **options)
        return cache[key]

    return graded_once


@pytest.fixture(scope="session")
def student_template(tmp_path_factory):
    """The exported student template, made once per session. Tests that change it
    work on a copy (shutil.copytree)."""
    return export_template(tmp_path_factory.mktemp("export") / "template")


class Turns:
    """Whose turn it is among the xdist workers: a serial test runs while no other worker
    runs a test, the others while none runs a serial one.

    A readers-writer lock on files of the run's shared temporary folder; the gate gives a
    waiting serial test precedence over the tests that would start after it. A worker
    keeps the lock through a run of serial tests (its next test is serial too): released
    between them, each serial test would wait for a whole test of the other worker.
    """

    def __init__(self):
        self.files = None  # (gate, lock), open for the worker's session
        self.exclusive = False  # held on since the last (serial) test

    def _locking(self, config):
        """fcntl where the locks apply (a Linux xdist worker), else None."""
        try:
            import fcntl
        except ImportError:  # no flock (Windows): the locks are for the Linux run
            return None
        if not os.environ.get("PYTEST_XDIST_WORKER") or not config.option.basetemp:
            return None
        if self.files is None:
            shared = Path(config.option.basetemp).parent  # xdist gives each worker a folder in it
            self.files = (open(shared / "tests.gate", "a"), open(shared / "tests.lock", "a"))
        return fcntl

    @contextlib.contextmanager
    def turn(self, config, serial, keep):
        """While this test may run; keep: hold the lock on after it (both serial)."""
        fcntl = self._locking(config)
        if fcntl is None:
            yield
            return
        gate, lock = self.files
        if self.exclusive and not serial:
            fcntl.flock(lock, fcntl.LOCK_UN)
            self.exclusive = False
        if not self.exclusive:
            fcntl.flock(gate, fcntl.LOCK_EX)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX if serial else fcntl.LOCK_SH)
            finally:
                fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            self.exclusive = serial and keep
            if not self.exclusive:
                fcntl.flock(lock, fcntl.LOCK_UN)


TURNS = Turns()


def is_serial(item):
    return item is not None and item.get_closest_marker("serial") is not None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Each test, with the fixtures it sets up and tears down, in its turn."""
    with TURNS.turn(item.config, is_serial(item), keep=is_serial(nextitem)):
        yield
