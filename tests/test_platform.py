"""The platform layer: the grader gives the same grades where `resource`, `fork`,
`AF_UNIX`, sessions and the child subreaper are missing (as on Windows or macOS).

Absence is made real in a subprocess: `resource` cannot be imported, `os.fork`,
`os.setsid`, `os.killpg` and `socket.AF_UNIX` are deleted before the grader is imported,
and GRADER_SIMULATE_MISSING turns off what cannot be deleted (the subreaper, /proc).
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from grader.grade import grade
from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from grader.sandbox import processes, protocol
from tests.submissions.mutants import MUTANTS, mutant_source

pytestmark = pytest.mark.student_facing

# Runs the grader's command line with the features removed, the way a platform without
# them would be (argv: the grader's arguments).
WITHOUT_FEATURES = """
import os, socket, sys
sys.modules["resource"] = None
for module, name in ((os, "fork"), (os, "setsid"), (os, "killpg"), (socket, "AF_UNIX")):
    if hasattr(module, name):
        delattr(module, name)
from grader.sandbox import processes
assert not any(processes.FEATURES.values()), processes.FEATURES
from grader.cli import main
sys.exit(main(sys.argv[1:]))
"""
EVERYTHING_MISSING = ",".join(processes.FEATURE_NAMES)
INFINITE_LOOP = REPO_ROOT / "tests" / "submissions" / "broken" / "infinite_loop_forward"
SHORT_TIMEOUT = 2.0


def grade_without_features(submission, out, *options):
    """results.json of grading `submission` in a process without the platform features."""
    env = {**os.environ, processes.SIMULATION_VARIABLE: EVERYTHING_MISSING}
    completed = subprocess.run(
        [sys.executable, "-c", WITHOUT_FEATURES, str(submission), "--out", str(out), *options],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    return json.loads((out / "results.json").read_text(encoding="utf-8")), completed.stdout


def mutant_folder(tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "backward_bias_averaged")
    folder = tmp_path / "mutant"
    folder.mkdir()
    (folder / "backprop.py").write_text(mutant_source(mutant), encoding="utf-8")
    return folder


@pytest.mark.parametrize("which", ["solution", "starter", "mutant"])
def test_grades_are_the_same_without_the_platform_features(which, tmp_path, graded):
    submission = {"solution": SOLUTION_DIR, "starter": STARTER_DIR}.get(which) or \
        mutant_folder(tmp_path)
    # The solution and the starter are graded where they are: the session's shared grade.
    native = graded(submission) if which != "mutant" else grade(submission,
                                                                out_dir=tmp_path / "native")
    portable, _ = grade_without_features(submission, tmp_path / "portable")
    assert portable["score"] == native.score
    assert portable["tests"] == [
        {"name": c.name, "score": c.score, "max_score": c.max_score,
         "status": "passed" if c.passed else "failed", "output": c.output,
         "visibility": c.visibility, "extra_data": {"group": c.group, "kind": c.kind}}
        for c in native.checks]


def test_an_endless_loop_times_out_without_signals(tmp_path):
    results, _ = grade_without_features(INFINITE_LOOP, tmp_path / "out", "--timeout",
                                        str(SHORT_TIMEOUT), "-k", "forward or sigmoid")
    by_group = {}
    for test in results["tests"]:
        by_group.setdefault(test["name"].split(":")[0], []).append(test)
    assert by_group["forward"] and all(
        "did not finish within 2 s" in test["output"] for test in by_group["forward"])
    assert all(test["status"] == "passed" for test in by_group["sigmoid"])


def test_what_is_not_enforced_is_said_in_every_report(tmp_path):
    results, printed = grade_without_features(SOLUTION_DIR, tmp_path / "out")
    for text in (printed, results["output"],
                 (tmp_path / "out" / "feedback.md").read_text(encoding="utf-8")):
        assert "Not enforced on this system: no limit on memory, CPU time, file size" in text
        assert "detaches from its worker are not tracked" in text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux enforces them all")
def test_on_linux_every_limit_is_enforced_and_nothing_is_said():
    assert processes.not_enforced(memory_mb=2048, cpu_seconds=300) == ()
    assert processes.ZYGOTE_SUPPORTED


def test_not_enforced_names_each_missing_limit(monkeypatch):
    monkeypatch.setitem(processes.FEATURES, "resource", False)
    monkeypatch.setitem(processes.FEATURES, "subreaper", True)
    assert processes.not_enforced(memory_mb=None, cpu_seconds=5) == (
        "no limit on CPU time, file size (this system has no `resource` module)",)
    monkeypatch.setitem(processes.FEATURES, "resource", True)
    monkeypatch.setattr(processes, "MACOS", True)
    assert processes.not_enforced(memory_mb=512) == ("no memory limit (macOS ignores RLIMIT_AS)",)


def test_an_unknown_simulated_feature_is_an_error_naming_it():
    env = {**os.environ, processes.SIMULATION_VARIABLE: "resource,forks"}
    completed = subprocess.run([sys.executable, "-c", "import grader.sandbox.processes"],
                               cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode != 0
    assert "unknown feature(s) forks" in completed.stderr


def test_kill_tree_ends_a_worker_and_its_children():
    code = ("import subprocess, sys, time\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
            "print(child.pid, flush=True)\ntime.sleep(60)\n")
    worker = processes.start_worker([sys.executable, "-c", code], REPO_ROOT, dict(os.environ))
    child = int(worker.stdout.readline())
    processes.kill_tree(worker)
    assert worker.returncode is not None
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)
    worker.stdout.close(), worker.stdin.close()


def alive(pid):
    """Whether pid runs (a zombie, waiting for its parent to reap it, does not)."""
    if sys.platform == "win32":
        listed = subprocess.run(["tasklist", "/FI", f"PID eq {pid}"], capture_output=True,
                                text=True).stdout
        return str(pid) in listed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = f"/proc/{pid}/stat"
    return not (os.path.exists(stat) and ") Z" in open(stat).read())


def channel_to(code):
    """A protocol.Channel to a Python process running code, and the process."""
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, cwd=REPO_ROOT)
    return protocol.Channel(process.stdout, process.stdin), process


def test_a_channel_times_out_without_signals_and_reports_a_hang_up():
    echo = ("import sys\nfrom grader.sandbox import protocol\n"
            "message = protocol.read_message(sys.stdin.buffer)\n"
            "protocol.write_message(sys.stdout.buffer, {'echo': message})\n"
            "sys.stdin.buffer.read()\n")
    channel, process = channel_to(echo)
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            channel.receive(0.3)  # nothing was asked: nothing comes
        assert 0.25 < time.monotonic() - started < 5
        channel.send({"x": [1, 2]})
        assert channel.receive(30) == {"echo": {"x": [1, 2]}}
        process.stdin.close()  # the other side ends
        with pytest.raises(protocol.ProtocolError):
            channel.receive(30)
        with pytest.raises(protocol.ProtocolError):
            channel.receive(0)  # and stays ended
    finally:
        process.kill()
        process.wait()


def test_a_channel_rejects_garbage():
    channel, process = channel_to("import sys; sys.stdout.buffer.write(b'\\xff' * 8)")
    with pytest.raises(protocol.ProtocolError, match="exceeds the limit"):
        channel.receive(30)
    process.wait()


def regrade_rows(folder, out, **env):
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "regrade", str(folder), "--out", str(out), "--jobs",
         "2", "--no-progress"], cwd=REPO_ROOT, env={**os.environ, **env},
        capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    with (out / "grades.csv").open(newline="", encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="regrade forks one grader per submission: Linux only")
def test_a_regrade_without_the_zygote_gives_the_same_sheet(tmp_path):
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    shutil.copy(SOLUTION_DIR / "backprop.py", folder / "alice" / "backprop.py")
    shutil.copytree(mutant_folder(tmp_path), folder / "bob")
    native = regrade_rows(folder, tmp_path / "native")
    spawned = regrade_rows(folder, tmp_path / "spawned",
                           **{processes.SIMULATION_VARIABLE: "fork,af_unix"})
    assert spawned == native and len(native) == 2  # the sheet is the same, byte for byte
    assert native[0]["status"] == "ok" and float(native[0]["total"]) > 100

