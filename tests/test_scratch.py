"""No grade leaves a temporary folder behind: not a finished grade, whatever its
submission did; not a grade ended by SIGTERM; and a grade killed outright (SIGKILL) has
its folder removed by the next grade. Each grade runs with a private TMPDIR, so what is
left there is exactly what the grade left."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.intake import prepare, scratch
from grader.paths import REPO_ROOT, SOLUTION_DIR

BROKEN = REPO_ROOT / "tests" / "submissions" / "broken"
ENDLESS = BROKEN / "infinite_loop_forward"
TIMEOUT = 300


def grader(submission, temp, *arguments, wait=True):
    command = [sys.executable, "-m", "grader", str(submission), "--out", str(temp.parent / "out"),
               *arguments]
    env = {**os.environ, "TMPDIR": str(temp)}
    if not wait:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)


@pytest.fixture
def temp(tmp_path):
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


def left_in(temp):
    return sorted(path.name for path in temp.iterdir() if path.name.startswith(scratch.PREFIX))


def wait_for_copy(temp, process):
    deadline = time.monotonic() + 60
    while not left_in(temp):
        assert process.poll() is None and time.monotonic() < deadline, "no copy was made"
        time.sleep(0.05)


@pytest.mark.parametrize("submission", [SOLUTION_DIR, BROKEN / "syntax_error",
                                        BROKEN / "exits_at_import", BROKEN / "empty"],
                         ids=lambda path: path.name)
def test_a_finished_grade_leaves_nothing(submission, temp):
    result = grader(submission, temp, "-k", "sigmoid")
    assert result.returncode == 0, result.stderr
    assert left_in(temp) == []


def test_a_submission_that_locks_its_folders_leaves_nothing(tmp_path, temp):
    """Folders made unreadable and unwritable by the submission are opened up and removed
    (as root this holds anyway; as any other user it is the permissions that matter)."""
    (tmp_path / "locking").mkdir()
    (tmp_path / "locking" / "backprop.py").write_text(
        "import os, stat\n"
        "os.makedirs('locked/inner', exist_ok=True)\n"
        "open('locked/inner/file.txt', 'w').close()\n"
        "os.chmod('locked/inner/file.txt', 0)\n"
        "os.chmod('locked/inner', 0)\n"
        "os.chmod('locked', stat.S_IRUSR | stat.S_IXUSR)\n"
        "def sigmoid(x):\n    import numpy\n    return 1 / (1 + numpy.exp(-x))\n")
    result = grader(tmp_path / "locking", temp, "-k", "sigmoid")
    assert result.returncode == 0, result.stderr
    assert left_in(temp) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_in_the_submission_is_left_out_and_nothing_is_left(tmp_path, temp):
    (tmp_path / "piped").mkdir()
    (tmp_path / "piped" / "backprop.py").write_text((SOLUTION_DIR / "backprop.py").read_text())
    os.mkfifo(tmp_path / "piped" / "pipe")
    result = grader(tmp_path / "piped", temp, "-k", "sigmoid")
    assert result.returncode == 0, result.stderr
    assert "3/3  sigmoid: values" in result.stdout
    assert left_in(temp) == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_grade_ended_by_sigterm_leaves_nothing(temp):
    process = grader(ENDLESS, temp, "-k", "forward", "--timeout", "60", wait=False)
    wait_for_copy(temp, process)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert left_in(temp) == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_the_copy_of_a_killed_grade_is_removed_by_the_next(temp):
    process = grader(ENDLESS, temp, "-k", "forward", "--timeout", "60", wait=False)
    wait_for_copy(temp, process)
    process.kill()
    process.wait(timeout=60)
    left = left_in(temp)
    assert left and all(name.startswith(f"{scratch.PREFIX}{process.pid}-") for name in left)
    result = grader(SOLUTION_DIR, temp, "-k", "sigmoid")
    assert result.returncode == 0, result.stderr
    assert left_in(temp) == []


def test_the_next_grade_keeps_the_copies_of_running_grades(temp):
    mine = scratch.make(temp)  # this process is running
    gone = temp / f"{scratch.PREFIX}999999999-x"  # no such process
    gone.mkdir()
    scratch.sweep(temp)
    assert left_in(temp) == [mine.name]


def test_a_submission_that_cannot_be_prepared_leaves_nothing(tmp_path, temp, monkeypatch):
    monkeypatch.setattr(scratch.tempfile, "tempdir", str(temp))

    def broken(self, raw):
        raise RuntimeError("the notebook reader failed")

    monkeypatch.setattr(prepare.Prepared, "_assemble_notebook", broken)
    (tmp_path / "notebook").mkdir()
    (tmp_path / "notebook" / "lab1.ipynb").write_text(
        (SOLUTION_DIR / "lab1.ipynb").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RuntimeError, match="notebook reader"):
        prepare.Prepared(Path(tmp_path / "notebook"))
    assert left_in(temp) == []
