"""The sandbox: hostile submissions graded by `python -m grader` end where they deserve,
leave nothing behind and change nothing of the repository; without bubblewrap, the
fallback says so once and still audits imports and replaced functions."""

import ast
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.paths import REPO_ROOT, SOLUTION_DIR
from grader.sandbox import bwrap as sandbox
from grader.sandbox import privileges
from tests.grading import bonus_headline, bonus_total, by_name, grade_source, solution_source
from tests.submissions import escapes
from tests.test_regrade import rows

BWRAP_PROBLEM = sandbox.unavailable_reason()
needs_bwrap = pytest.mark.skipif(BWRAP_PROBLEM is not None,
                                 reason=f"bubblewrap cannot run here: {BWRAP_PROBLEM}")
# The reference's marks without the hidden checks: 100, and 4 bonus points as the course's
# setting counts them (grader/lab.py BONUS).
SOLUTION_SCORE = bonus_total(100, 100, 4)
SECRET = "escape-secret-value"
TOKEN = str(os.getpid())
# Process isolation as this machine records it: "process-as-root" where the tests run as
# root with a Python the unprivileged user cannot run (grader.sandbox.privileges).
PROCESS = privileges.process_isolation()


def run_grader(*arguments, env=None):
    return subprocess.run([sys.executable, "-m", "grader", *map(str, arguments)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def repository_state():
    """`git status` and the solution's bytes: what no submission may change."""
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=REPO_ROOT, capture_output=True, text=True).stdout
    return status, (SOLUTION_DIR / "backprop.py").read_bytes()


def _parents():
    """{pid: parent pid} of every live (not zombie) process of the machine."""
    parents = {}
    for proc in Path("/proc").iterdir():
        try:
            state, parent = (proc / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError, IndexError):
            continue
        if proc.name.isdigit() and state != "Z":
            parents[int(proc.name)] = int(parent)
    return parents


def _ours(pid, parents):
    """Whether pid descends from this test process, or was left to init (an orphan):
    the machine may run other graders' sandboxes, which are neither."""
    if parents.get(pid) == 1:
        return True
    while pid in parents and pid > 1:
        if parents[pid] == os.getpid():
            return True
        pid = parents[pid]
    return False


def sandbox_processes():
    """{pid: command line} of sandboxes, workers and the daemon of the escapes (the
    daemon by its token; sandboxes and workers when they are this run's)."""
    markers = [f"6escape{TOKEN}".encode(), f"6{TOKEN}".encode()]
    parents = _parents()
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if proc.name == str(os.getpid()) or not proc.name.isdigit():
            continue
        if any(m in cmdline for m in markers) or (
                b"grader-worker" in cmdline and _ours(int(proc.name), parents)):
            found[proc.name] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


_before_tests = sandbox_processes()  # (a regrade running beside the tests is not ours)


def leftover_processes():
    """Command lines of such processes still running (after a moment for kills to land)."""
    for _ in range(20):
        left = {pid: line for pid, line in sandbox_processes().items()
                if pid not in _before_tests}
        if not left:
            return []
        time.sleep(0.1)
    return sorted(left.values())


@pytest.fixture
def listener():
    """A TCP server on localhost; returns (port, list of what connections sent)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    received, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            received.append(connection.recv(100))
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


def assert_outcome(name, results):
    """The grade each escape deserves (see escapes.ESCAPES)."""
    kind, _ = escapes.ESCAPES[name]
    checks = by_name(results)
    if kind == "zero":
        assert results.score == 0, name
        assert results.broken_rules or all(c.score == 0 for c in results.checks), name
    elif kind == "full":
        assert results.score == SOLUTION_SCORE, [(c.name, c.output) for c in results.checks
                                                 if not c.passed]
    elif kind == "integrity":
        flagged = [c for c in results.checks if "integrity: replaces" in c.output]
        assert flagged and all(c.score == 0 for c in flagged), name
        assert results.score < SOLUTION_SCORE
    elif kind == "leak":
        failed = [c for c in checks.values() if c.group == "forward" and not c.passed]
        assert failed and "HOME" in failed[0].output  # it did read the environment ...
        assert SECRET not in json.dumps([c.output for c in results.checks])  # ... not ours


# -- the sandbox ---------------------------------------------------------------------------

# Imported lazily by grader/__init__.py's check(), for a notebook kernel: never in a worker.
NOT_USED_BY_THE_WORKER = {"grader.inline.check"}


def test_the_worker_module_set_is_closed_and_holds_no_reference():
    """Every grader module the worker side imports is bound into the sandbox, and none of
    them is the reference, the checks or the paths of the repository."""
    package = REPO_ROOT / "grader"

    def module_file(name):  # "grader.sandbox.guard" -> "sandbox/guard.py" (in grader/)
        parts = name.split(".")[1:]
        for end in range(len(parts), 0, -1):
            for candidate in ("/".join(parts[:end]) + ".py",
                              "/".join(parts[:end]) + "/__init__.py"):
                if (package / candidate).is_file():
                    return candidate
        raise AssertionError(f"no module file for {name}")

    for module in sandbox.WORKER_MODULES:
        tree = ast.parse((package / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("grader.") and name not in NOT_USED_BY_THE_WORKER:
                    assert module_file(name) in sandbox.WORKER_MODULES, (module, name)
    assert not {"session/reference.py", "paths.py", "authoring/data.py", "session/cases.py",
                "session/datasets.py"} & set(sandbox.WORKER_MODULES)


def test_resolve_chooses_and_warns_once(monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "unavailable_reason", lambda: "no bwrap in this test")
    monkeypatch.setattr(sandbox, "_warned", [])
    assert sandbox.resolve("none") == sandbox.PROCESS
    assert sandbox.resolve("auto") == sandbox.PROCESS
    assert sandbox.resolve("auto") == sandbox.PROCESS
    assert capsys.readouterr().err.count("WARNING: no sandbox: no bwrap in this test") == 1
    with pytest.raises(sandbox.SandboxUnavailable, match="no bwrap in this test.*apt-get"):
        sandbox.resolve("bwrap")
    with pytest.raises(ValueError, match="'docker'"):
        sandbox.resolve("docker")


@needs_bwrap
def test_sandbox_check_shows_nothing_of_the_course():
    result = run_grader("sandbox-check", env={"GITHUB_TOKEN": SECRET})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "isolation: bwrap" in out
    for hidden in ("solution", "grader/hidden", "tests"):
        assert f"{REPO_ROOT / hidden}: not visible" in out
    # A repository under /tmp has its mount point on the sandbox's own tmpfs /tmp, which
    # is writable and private to the sandbox; anywhere else the folder is read-only.
    access = "WRITABLE" if REPO_ROOT.is_relative_to("/tmp") else "read-only"
    assert f"{REPO_ROOT}: visible, {access}, 1 entries (.venv)" in out
    assert "connect to 1.1.1.1: refused" in out and "interfaces: ['lo']" in out
    assert "processes visible: 1 (the worker's own pid: 1)" in out  # no init beside it
    assert SECRET not in out and "GITHUB" not in out


@needs_bwrap
@pytest.mark.serial  # leftover_processes() looks at every process of the machine
@pytest.mark.parametrize("name", sorted(set(escapes.ESCAPES) - {"kills_its_parent",
                                                                "writes_into_the_output"}))
def test_an_escape_ends_with_the_grade_it_deserves(name, tmp_path, monkeypatch, listener):
    port, received = listener
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    before = repository_state()
    try:
        results = grade_source(escapes.source(name, TOKEN, port), tmp_path, sandbox="bwrap")
    finally:
        after = repository_state()
        if after[1] != before[1]:  # never leave the reference broken, whatever happened
            (SOLUTION_DIR / "backprop.py").write_bytes(before[1])
    assert results.isolation == "bwrap"
    assert_outcome(name, results)
    assert after == before
    assert received == []
    assert leftover_processes() == []


@needs_bwrap
def test_the_same_file_finds_the_solution_without_the_sandbox(tmp_path):
    """The delegating stub is a real attack: with process isolation only, it scores."""
    results = grade_source(escapes.source("delegates_to_found_solution"), tmp_path,
                           sandbox="none")
    assert results.score == 100


# Killing its parent is tried in the sandbox only: without it, it would kill this test.
@pytest.mark.serial
@pytest.mark.parametrize("name, mode", [
    pytest.param("kills_its_parent", "bwrap", marks=needs_bwrap),
    pytest.param("writes_into_the_output", "bwrap", marks=needs_bwrap),
    ("writes_into_the_output", "none")])
def test_python_m_grader_survives_attacks_on_itself(name, mode, tmp_path):
    folder, out = tmp_path / "submission", tmp_path / f"out-escape{TOKEN}"
    folder.mkdir()
    (folder / "backprop.py").write_text(escapes.source(name, TOKEN), encoding="utf-8")
    before = repository_state()
    result = run_grader(folder, "--out", out, "--sandbox", mode)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert bonus_headline(100, 100, 4) in result.stdout
    written = json.loads((out / "results.json").read_text())
    assert written["score"] == SOLUTION_SCORE
    assert written["extra_data"]["isolation"] == ("bwrap" if mode == "bwrap" else PROCESS)
    assert (out / "feedback.md").is_file()
    if mode == "bwrap":  # without the sandbox its folders stay beside the results, harmless
        assert sorted(p.name for p in out.iterdir()) == [
            "feedback.md", "results.json", "show_learning_curve.png", "show_result.png"]
    assert repository_state() == before and leftover_processes() == []


@needs_bwrap
def test_the_worker_never_writes_to_the_graders_stderr(tmp_path):
    """A single grade's worker writes into descriptor 2, sys.__stderr__ and every
    /proc/*/fd/2 it sees: none of it reaches the grader's output."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "backprop.py").write_text(escapes.source("writes_to_the_graders_stderr", TOKEN),
                                        encoding="utf-8")
    result = run_grader(folder, "--out", tmp_path / "out", "--sandbox", "bwrap")
    assert result.returncode == 0, result.stderr[-2000:]
    assert bonus_headline(100, 100, 4) in result.stdout
    assert f"escape{TOKEN}" not in result.stderr + result.stdout


# -- the fallback ---------------------------------------------------------------------------

def test_without_bwrap_auto_warns_once_and_grades_with_processes(tmp_path):
    no_bwrap = {"PATH": str(tmp_path)}  # no bwrap on this PATH
    result = run_grader(SOLUTION_DIR, "--out", tmp_path / "out", "-k", "sigmoid",
                        env=no_bwrap)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("WARNING: no sandbox: the bwrap program is not installed") == 1
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["extra_data"]["isolation"] == PROCESS and written["score"] > 0
    refused = run_grader(SOLUTION_DIR, "--out", tmp_path / "out", "--sandbox", "bwrap",
                         env=no_bwrap)
    assert refused.returncode == 2
    assert "--sandbox bwrap: the bwrap program is not installed" in refused.stderr
    assert "Traceback" not in refused.stderr


REFUSED = "bwrap: setting up uid map: Permission denied"  # what an AppArmor-restricted kernel says


def refusing_bwrap(folder):
    """A PATH whose bwrap refuses to start, as on Ubuntu 24.04 without the sysctl."""
    folder.mkdir()
    fake = folder / "bwrap"
    fake.write_text(f"#!/bin/sh\necho '{REFUSED}' >&2\nexit 1\n")
    fake.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bwrap is for Linux only")
def test_a_bwrap_that_cannot_start_falls_back_with_its_reason(tmp_path):
    """No probe before a grade: its worker is the probe, and falls back when it cannot start."""
    refusing = refusing_bwrap(tmp_path / "bin")
    result = run_grader(SOLUTION_DIR, "--out", tmp_path / "out", env=refusing)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count(f"WARNING: no sandbox: bwrap failed: {REFUSED}.") == 1
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["extra_data"]["isolation"] == PROCESS
    assert written["score"] == SOLUTION_SCORE  # nothing of the failed start is held against it
    refused = run_grader(SOLUTION_DIR, "--out", tmp_path / "out", "--sandbox", "bwrap",
                         env=refusing)
    assert refused.returncode == 2
    assert f"--sandbox bwrap: bwrap failed: {REFUSED}" in refused.stderr
    assert "Traceback" not in refused.stderr


@needs_bwrap
@pytest.mark.parametrize("exit_code", ["os._exit(1)", "sys.exit(1)"])
def test_a_submission_that_ends_at_import_cannot_turn_the_sandbox_off(exit_code, tmp_path,
                                                                      capsys):
    """Its code runs only after its worker said it was ready, so it never looks like a
    sandbox that could not start: isolation stays bwrap, also for the re-import of its
    definitions after os._exit or SystemExit (which costs the quiet-import rule's 2 points
    only)."""
    source = f"import os, sys\n{exit_code}\n" + solution_source()
    results = grade_source(source, tmp_path, sandbox="auto")
    assert results.isolation == "bwrap"
    assert results.score == bonus_total(98, 100, 4)
    assert "no sandbox" not in capsys.readouterr().err


@pytest.mark.parametrize("name", ["computed_import_at_import", "computed_import_in_forward",
                                  "patches_numpy", "patches_matplotlib_in_show_result",
                                  "patches_builtins_and_worker"])
def test_process_isolation_still_audits_imports_and_patches(name, tmp_path):
    results = grade_source(escapes.source(name, TOKEN), tmp_path, sandbox="none")
    assert results.isolation == PROCESS
    assert_outcome(name, results)


def test_a_run_time_import_is_named_with_its_line(tmp_path):
    results = grade_source(escapes.source("computed_import_in_forward"), tmp_path)
    rule = by_name(results)["rules: imports nothing else while running (audited at run time)"]
    line = next(number for number, text in enumerate(
        escapes.source("computed_import_in_forward").splitlines(), start=1) if "'rch'" in text)
    assert not rule.passed and f"torch (a deep-learning or autodiff framework) on line {line}" \
        in rule.output
    assert results.broken_rules == (rule,) and results.score == 0


def test_a_patch_costs_only_the_checks_after_it(tmp_path):
    results = grade_source(escapes.source("patches_matplotlib_in_show_result"), tmp_path)
    groups = results.groups()
    for group in ("sigmoid", "loss", "forward", "backward", "update", "convergence"):
        assert groups[group][0] == groups[group][1] > 0, group  # ran before the patch
    for group in ("show_result", "show_learning_curve", "tanh"):
        assert groups[group][0] == 0, group
    flagged = by_name(results)["show_result: two panels with points, side by side"]
    assert "integrity: replaces matplotlib.axes._axes.Axes.get_title" in flagged.output


def test_an_honest_submission_replaces_nothing_and_imports_nothing_forbidden(tmp_path):
    """Every correct example stays clean: the audit and the snapshot never blame numpy's or
    matplotlib's own lazy imports, nor ordinary use (matplotlib.use, np.random.seed)."""
    source = solution_source().replace(
        "import numpy as np\n",
        "import numpy as np\nimport matplotlib\nmatplotlib.use('Agg')\nnp.random.seed(0)\n"
        "import importlib\nimportlib.import_module('js' + 'on')\n", 1)
    results = grade_source(source, tmp_path)
    assert [c.output for c in results.checks if not c.passed] == []
    assert results.score == SOLUTION_SCORE


def test_a_student_repository_is_copied_without_its_grader(tmp_path):
    """The template ships the grader and its stored reference values inside the student's
    repository: the worker's copy leaves them out, and keeps the student's own modules."""
    from grader.intake.prepare import working_copy as sandbox_copy

    (tmp_path / "grader" / "checks").mkdir(parents=True)
    (tmp_path / "grader" / "reference_values.npz").write_bytes(b"answers")
    (tmp_path / "grader" / "checks" / "check_forward.py").write_text("")
    (tmp_path / "backprop.py").write_text("")
    (tmp_path / "helpers.py").write_text("")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reference_values.npz").write_bytes(b"answers")
    folder, copy = sandbox_copy(tmp_path / "backprop.py")
    try:
        copied = sorted(p.relative_to(copy.parent).as_posix() for p in copy.parent.rglob("*"))
        assert copied == ["backprop.py", "data", "helpers.py"]
    finally:
        shutil.rmtree(folder)


def test_regrade_without_bwrap_warns_once_and_records_process_isolation(tmp_path):
    """Also when a submission plants directories where the grade sheet is written."""
    shutil.copytree(SOLUTION_DIR, tmp_path / "class" / "alice")
    (tmp_path / "class" / "mallory").mkdir()
    (tmp_path / "class" / "mallory" / "backprop.py").write_text(
        escapes.source("writes_into_the_output", TOKEN))
    result = subprocess.run(
        [sys.executable, "-m", "grader", "regrade", str(tmp_path / "class"), "--out",
         str(tmp_path / f"out-escape{TOKEN}"), "--jobs", "1", "--no-progress"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.count("WARNING: no sandbox") == 1
    table = rows(tmp_path / f"out-escape{TOKEN}")
    full = f"{bonus_total(110, 110, 4):g}"  # with the hidden checks: 110, and 4 bonus
    assert {name: (row["total"], row["isolation"]) for name, row in table.items()} == {
        "alice": (full, PROCESS), "mallory": (full, PROCESS)}
