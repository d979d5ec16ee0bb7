"""Where the grader itself fails during a grade, and where the submission does: told apart.

A worker says it is ready before it reads the request to import the submission, so a
worker that ends (or never answers) before that ran nothing of the submission: whether it
is the first worker or one started again after a call of the submission ended the last,
from a zygote or fresh, the grade ends with status `error`, exit 2 and one sentence with
the fix (grader.sandbox.handle.WorkerNotReady), never a crash charged to the student. The
other side: an import or a call that kills its worker is the submission's, and a worker
started again serves the checks that follow. A check module that cannot be loaded and
results that cannot be written (a full disk) are the grader's failures too, in every
output: the terminal, results.json (Gradescope's format), --github, --classroom50 and a
regrade's row.
"""

import errno
import json
import os
import shutil
import subprocess
import sys

import pytest

from grader import grade as grading
from grader.grade import grade, grade_command
from grader.options import GradeOptions
from grader.paths import REPO_ROOT, SOLUTION_DIR
from grader.regrade import run as regrade_run
from grader.regrade.collect import collect
from grader.results import reports
from grader.sandbox import launch
from grader.session.installation import GraderFailure
from tests.actions import commands_run
from tests.test_installation import CHECKS_TIMEOUT, assert_grader_failed, copy_of_repository

SOLUTION = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
# A sigmoid that ends its worker when given 745 (one check's input): that check crashes,
# and the checks after it need a new worker.
CRASHING_CALL = SOLUTION.replace(
    "def sigmoid(x):\n",
    "def sigmoid(x):\n    if np.any(np.asarray(x) == 745.0):\n"
    "        import os\n        os._exit(3)\n", 1)
FIRST_ONLY = """import os, sys
sys.path.insert(0, {repo!r})
import grader.sandbox.zygote as zygote
serve = zygote.serve
def first_only(*streams):  # the first worker serves; every later one ends before ready
    if os.path.exists({marker!r}):
        os._exit(1)
    open({marker!r}, "w").close()
    serve(*streams)
zygote.serve = first_only
del sys.path[0]
zygote.zygote(sys.argv[2])
"""
HANGS_UP = """import socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[2])
server.listen(4)
while True:  # takes each request and hangs up without forking a worker
    server.accept()[0].close()
"""


@pytest.fixture
def zygote(tmp_path, monkeypatch):
    """zygote(script): a worker zygote started from `script` (None: the real one), as a
    regrade starts it; ended after the test."""
    started = []

    def start(script=None):
        if script is not None:
            entry = tmp_path / "zygote_entry.py"
            entry.write_text(script.format(repo=str(REPO_ROOT), marker=str(tmp_path / "served")))
            monkeypatch.setattr(launch, "ENTRY", entry)
        folder = tmp_path / f"zygote-{len(started)}"
        folder.mkdir()
        process, socket_path = launch.start_zygote(folder)
        started.append(process)
        return socket_path

    yield start
    for process in started:
        process.kill()
        process.wait()


def submission(tmp_path, source):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "backprop.py").write_text(source, encoding="utf-8")
    return folder


def assert_no_score(out):
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["status"] == "error" and "score" not in results and results["tests"] == []
    assert (out / "feedback.md").read_text().startswith(f"# {reports.GRADER_FAILED}")


def test_a_worker_that_cannot_start_again_after_a_crash_is_the_graders_failure(tmp_path,
                                                                               zygote):
    """The submission's call ends its worker (its own failure); the worker started for the
    next check ends before it is ready: that one is the grader's, and nothing is scored
    (before, every later check was charged as a crash of the submission: 3 / 100)."""
    socket_path = zygote(FIRST_ONLY)
    with pytest.raises(GraderFailure, match="a new worker process, started after the "
                                            "submission's last one ended, ended before it "
                                            "was ready"):
        grade(submission(tmp_path, CRASHING_CALL), out_dir=tmp_path / "out", sandbox="none",
              zygote=socket_path)
    assert_no_score(tmp_path / "out")


def test_a_call_that_ends_its_worker_costs_only_its_check(tmp_path, zygote, graded):
    """The other side: with a zygote that works, the crash is the submission's, charged
    in the one check that met it; a new worker serves every later check."""
    results = grade(submission(tmp_path, CRASHING_CALL), out_dir=tmp_path / "out",
                    sandbox="none", zygote=zygote())
    crashed = [c for c in results.checks if not c.passed]
    assert [c.kind for c in crashed] == ["crashed"], [(c.name, c.output) for c in crashed]
    assert "ended the grading process" in crashed[0].output
    assert results.core == graded(SOLUTION_DIR).core - crashed[0].max_score


def test_an_import_that_ends_its_worker_is_the_submissions(tmp_path, zygote):
    """A worker that said it was ready and then ended importing the submission: the
    submission's doing, charged in the quiet-import rule (its definitions are graded, as
    for any exception at import), never the grader's failure."""
    source = SOLUTION + "\nimport os\nos._exit(3)\n"
    results = grade(submission(tmp_path, source), out_dir=tmp_path / "out", sandbox="none",
                    zygote=zygote())
    failed = [c for c in results.checks if not c.passed]
    assert [c.group for c in failed] == ["rules"], [(c.name, c.output) for c in failed]
    assert "could not be imported: importing it ended the grading process" in failed[0].output
    assert not any(c.internal_error for c in results.checks)
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["score"] == results.score and written.get("status") != "error"


def test_a_zygote_that_hangs_up_before_forking_is_the_graders_failure(tmp_path, zygote):
    socket_path = zygote(HANGS_UP)
    with pytest.raises(GraderFailure, match="the worker zygote hung up or did not answer before it "
                                            "forked a worker"):
        grade(SOLUTION_DIR, out_dir=tmp_path / "out", sandbox="none", zygote=socket_path,
              keyword="sigmoid")
    assert_no_score(tmp_path / "out")


def test_a_memory_limit_too_small_for_the_worker_is_the_graders_failure(tmp_path):
    """numpy cannot load within 40 MB: the worker ends before any of the submission ran,
    and the sentence names the limit to raise."""
    with pytest.raises(GraderFailure, match=r"ended before it was ready, before any of the "
                                            r"submission ran: .*within the memory limit of 40 "
                                            r"MB \(--memory\)"):
        grade(SOLUTION_DIR, out_dir=tmp_path / "out", sandbox="none", memory=40,
              keyword="sigmoid")
    assert_no_score(tmp_path / "out")


def test_a_regrade_whose_zygote_cannot_start_stops_with_the_fix(tmp_path, monkeypatch):
    dying = tmp_path / "dying_entry.py"
    dying.write_text("import sys\nsys.exit(3)\n")
    monkeypatch.setattr(launch, "ENTRY", dying)
    with pytest.raises(GraderFailure, match=r"did not start \(it ended before it was ready\): "
                                            "check that this Python, numpy and matplotlib"):
        regrade_run.Zygotes("process", 1, tmp_path)


def test_a_regrade_row_of_a_worker_that_cannot_start_has_no_score(tmp_path, monkeypatch):
    dying = tmp_path / "dying_entry.py"
    dying.write_text("import sys\nsys.exit(3)\n")
    monkeypatch.setattr(launch, "ENTRY", dying)
    (tmp_path / "class" / "alice").mkdir(parents=True)
    shutil.copy(SOLUTION_DIR / "backprop.py", tmp_path / "class" / "alice" / "backprop.py")
    [entry] = collect([tmp_path / "class"])
    settings = regrade_run.Settings(out=tmp_path / "out", jobs=1, grading=GradeOptions(
        hidden=True, keyword="sigmoid", sandbox="none"))
    row = regrade_run.grade_entry(entry, settings, None, {})
    assert row["status"] == "error" and row["reason"].startswith(reports.GRADER_FAILED)
    assert "ended before it was ready" in row["reason"]
    assert (row["total"], row["public"], row["hidden"], row["bonus"]) == ("", "", "", "")


# -- a check module that cannot be loaded, in every output -------------------------------

@pytest.fixture(scope="module")
def unloadable_checks(tmp_path_factory):
    """A copy of the grader whose check_loss.py has a syntax error."""
    copy = copy_of_repository(tmp_path_factory.mktemp("unloadable") / "repository")
    with open(copy / "grader" / "checks" / "check_loss.py", "a", encoding="utf-8") as stream:
        stream.write("\ndef broken(:\n")
    return copy


def run_copy(copy, *arguments, env=None):
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=copy,
                          capture_output=True, text=True, timeout=CHECKS_TIMEOUT,
                          env={**os.environ, **(env or {})})


def test_a_check_module_that_cannot_load_is_the_graders_failure(unloadable_checks):
    """pytest reports a module it cannot load as an interrupted run: it was taken for
    Ctrl-C ("interrupted, nothing graded", exit 130)."""
    result = run_copy(unloadable_checks, "solution", "--out", "out", "--json", "copy.json")
    results = json.loads((unloadable_checks / "out" / "results.json").read_text())
    assert_grader_failed(result, results, "check module checks/check_loss.py cannot be loaded",
                         "SyntaxError", "restore grader/checks/check_loss.py")
    assert json.loads((unloadable_checks / "copy.json").read_text()) == results


def test_a_check_module_that_cannot_load_shows_no_points_on_github(unloadable_checks, tmp_path):
    outputs, summary = tmp_path / "output", tmp_path / "summary"
    outputs.write_text(""), summary.write_text("")
    result = run_copy(unloadable_checks, "solution", "--github", "--out", "out", env={
        "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(unloadable_checks)})
    assert result.returncode == 2
    commands = commands_run(result.stdout)
    assert [(name, p["title"]) for name, p, _ in commands] == [("error", reports.GRADER_FAILED)]
    assert "Points" not in result.stdout and "Points" not in summary.read_text()
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert (written["status"], written["total"]) == ("error", "")


def test_a_check_module_that_cannot_load_writes_no_classroom50_result(unloadable_checks,
                                                                      tmp_path):
    """Classroom 50's runner turns exit 2 without result.json into its error (no Release,
    no score)."""
    target = tmp_path / "classroom50"
    target.mkdir()
    env = {"GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_STEP_SUMMARY": str(
        tmp_path / "summary"), "GITHUB_ACTIONS": "true"}
    for name in ("CLASSROOM", "ASSIGNMENT", "SUBMISSION_TAG", "COMMIT_URL", "RELEASE_URL",
                 "REVIEW_URL"):
        env[name] = "x"
    (tmp_path / "output").write_text(""), (tmp_path / "summary").write_text("")
    result = run_copy(unloadable_checks, "solution", "--classroom50", str(target), "--out",
                      "out", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot be loaded" in result.stdout + result.stderr
    assert not (target / "result.json").exists()


# -- results that cannot be written ------------------------------------------------------

def test_results_that_cannot_be_written_are_the_graders_failure(tmp_path, monkeypatch,
                                                                capsys):
    """A full disk: exit 2 and one line saying where and how to fix it, never a score
    the student cannot see or a traceback."""
    def full(path, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(grading, "write_text", full)
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text('{"score": 100}')  # an earlier grade's
    code = grade_command([str(SOLUTION_DIR), "--out", str(out), "-k", "sigmoid",
                          "--sandbox", "none"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    [line] = [text for text in captured.err.splitlines()
              if text.startswith(reports.GRADER_FAILED)]  # (beside a root grader's warning)
    assert line.startswith(f"{reports.GRADER_FAILED}: the results could not be written in "
                           f"{out} (No space left on device): free space there")
    assert not (out / "results.json").exists()  # no earlier score stands for this grade


def test_a_json_copy_that_cannot_be_written_is_the_graders_failure(tmp_path, capsys):
    blocked = tmp_path / "file"
    blocked.write_text("")
    code = grade_command([str(SOLUTION_DIR), "--out", str(tmp_path / "out"), "-k", "sigmoid",
                          "--sandbox", "none", "--json", str(blocked / "copy.json")])
    assert code == 2
    assert f"{reports.GRADER_FAILED}: the results could not be written in {blocked}" in \
        capsys.readouterr().err
