"""Student code never runs as root: a root grader's workers run as `nobody`, in a fake
Gradescope `/autograder` run as root (bubblewrap refused, as in Docker, and bubblewrap
allowed) and in a regrade's zygotes; submissions that attack the autograder end at the
score their honest code earns, and the autograder's files stay as they were.

The Python that grades must be one `nobody` can run: these tests make a virtual
environment from such a Python (the system's) that reads this environment's libraries.
"""

import csv
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from grader.authoring.exports.gradescope import export_gradescope
from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from grader.sandbox import privileges, processes
from tests.grading import bonus_total
from tests.test_sandbox import BWRAP_PROBLEM, REFUSED, SOLUTION_SCORE

NOBODY = privileges.account_named(privileges.WORKER_ACCOUNT)
STARTER = (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")
SOLUTION = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
pytestmark = pytest.mark.skipif(not privileges.running_as_root(), reason="needs root")
# The tests that look at every process of `nobody` on the machine (nobody_processes) run
# alone: another test's grade, as root, has its workers run as nobody too.
serial = pytest.mark.serial


def runs_as_nobody(command):
    try:
        subprocess.run(command, check=True, timeout=60, capture_output=True,
                       **processes.user_options(NOBODY.ids))
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def python_for_nobody():
    """A Python of this version that `nobody` can run (this one, or the system's)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (os.path.realpath(sys.executable), f"/usr/bin/{version}",
                      f"/usr/local/bin/{version}"):
        if Path(candidate).is_file() and runs_as_nobody([candidate, "-I", "-c", ""]):
            return candidate
    return None


def open_folder(prefix):
    """A new folder every user may pass through (pytest's own temp folders are root's)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def make_venv(folder):
    """A venv of python_for_nobody() reading this environment's libraries; its python."""
    python = python_for_nobody()
    if python is None:
        pytest.skip("no Python of this version that nobody can run")
    subprocess.run([python, "-m", "venv", "--without-pip", str(folder)], check=True)
    purelib = Path(sysconfig.get_paths(vars={"base": str(folder)})["purelib"])
    (purelib / "this-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    venv_python = folder / "bin" / "python"
    if not runs_as_nobody([str(venv_python), "-c", "import numpy, matplotlib"]):
        pytest.skip("nobody cannot read this environment's libraries")
    return venv_python


def refusing_bwrap(folder):
    """A bwrap that cannot start, as where Docker's seccomp refuses user namespaces."""
    folder.mkdir(exist_ok=True)
    fake = folder / "bwrap"
    fake.write_text(f"#!/bin/sh\necho '{REFUSED}' >&2\nexit 1\n")
    fake.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def digest_tree(*tops, skip=(".venv",)):
    """{path: sha256} of every file under tops (what no submission may change)."""
    found = {}
    for top in tops:
        top = Path(top)
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in files:
            if path.is_file() and not set(path.parts) & {*skip, "__pycache__"}:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def nobody_processes():
    """Command lines of processes running as nobody (none may outlive a grade), after a
    moment for kills to land; a zombie, which runs nothing, waits for its reaper (init,
    where the grader has exited)."""
    for _ in range(30):
        found = []
        for proc in Path("/proc").iterdir():
            try:
                if (proc.name.isdigit() and proc.stat().st_uid == NOBODY.uid
                        and (proc / "stat").read_text().rpartition(")")[2].split()[0] != "Z"):
                    found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
        if not found:
            return []
        time.sleep(0.1)
    return found


# -- the attacks, each on top of honest code ------------------------------------------------

ATTACKS = {
    # One appended line ran after grading: a 74 became 110.
    "appends_to_run_autograder": """
        try:
            with open({run_autograder!r}, "a") as script:
                script.write('\\necho \\'{{"score": 110, "tests": []}}\\' > "$results"\\n')
        except OSError:
            pass
    """,
    "rewrites_the_checks_and_the_lab": """
        import pathlib
        for target in [*pathlib.Path({checks!r}).glob("check_*.py"), pathlib.Path({lab!r})]:
            try:
                target.write_text("def test_anything():\\n    pass\\nTOTAL = 1\\n")
            except OSError:
                pass
    """,
    # A detached process outliving the worker, writing results.json again and again.
    "writes_results_json": """
        import json, os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                for _ in range(300):
                    for path in ({results!r}, {json_results!r}):
                        try:
                            with open(path, "w") as stream:
                                json.dump({{"score": 110, "tests": []}}, stream)
                        except OSError:
                            pass
                    time.sleep(0.05)
            os._exit(0)
    """,
    # Whoever reads the stored reference values could answer from them: here, reading
    # them at all turns the starter into the solution.
    "reads_the_reference_values": """
        try:
            with open({values!r}, "rb") as stream:
                stolen = stream.read()
        except OSError:
            stolen = None
        if stolen:
            exec({solution!r})
    """,
}


def attack(name, honest, **paths):
    return honest + "\n" + textwrap.dedent(ATTACKS[name]).format(solution=SOLUTION, **paths)


# -- Gradescope, as root ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def autograder():
    """The Gradescope zip unpacked in a fake /autograder, its venv from a Python nobody
    can run (setup.sh's install is tested in test_exports); files as zipfile leaves them."""
    base = open_folder("autograder-")
    root = base / "autograder"
    archive = export_gradescope(base / "autograder.zip")
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(root / "source")
    root.chmod(0o755)
    make_venv(root / "source" / ".venv")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    yield root
    shutil.rmtree(base, ignore_errors=True)


def run_autograder(root, source, bwrap):
    """Grade `source` as Gradescope does, as root; returns results.json."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    (root / "submission").mkdir()
    (root / "submission" / "backprop.py").write_text(source, encoding="utf-8")
    path = os.environ["PATH"] if bwrap else refusing_bwrap(root.parent / "no-bwrap")
    completed = subprocess.run(["bash", str(root / "run_autograder")], cwd=root,
                               capture_output=True, text=True, timeout=300,
                               env={**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": path})
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


MODES = [pytest.param(False, id="bwrap-refused"),
         pytest.param(True, id="bwrap", marks=pytest.mark.skipif(
             BWRAP_PROBLEM is not None, reason=f"bubblewrap cannot run: {BWRAP_PROBLEM}"))]


@pytest.mark.parametrize("bwrap", MODES)
def test_student_code_runs_as_nobody_without_groups(autograder, bwrap):
    source = STARTER.replace("def sigmoid(x):", "def sigmoid(x):\n    import os\n    raise "
                             "ValueError(f'uid={os.getuid()},{os.geteuid()} gid={os.getgid()} "
                             "groups={os.getgroups()}')\n\n\ndef unused(x):", 1)
    results = run_autograder(autograder, source, bwrap)
    assert f"uid={NOBODY.uid},{NOBODY.uid} gid={NOBODY.gid} groups=[]" in json.dumps(results)
    assert results["extra_data"]["isolation"] == ("bwrap" if bwrap else "process")


@serial
@pytest.mark.parametrize("name, honest, score, bwrap", [
    *[(name, "starter", 0, False) for name in ATTACKS],
    ("all", "solution", SOLUTION_SCORE, False),
    pytest.param("all", "solution", SOLUTION_SCORE, True, marks=MODES[1].marks, id="all-bwrap")])
def test_an_attack_on_the_autograder_earns_only_the_honest_score(autograder, bwrap, name,
                                                               honest, score):
    """Without bubblewrap (as where Docker refuses it) each attack alone, on the starter;
    all of them on the solution, also in the sandbox."""
    source = STARTER if honest == "starter" else SOLUTION
    paths = {"run_autograder": str(autograder / "run_autograder"),
             "checks": str(autograder / "source" / "grader" / "checks"),
             "lab": str(autograder / "source" / "grader" / "lab.py"),
             "results": str(autograder / "results" / "results.json"),
             "json_results": str(autograder / "results" / "grading-output" / "results.json"),
             "values": str(autograder / "source" / "grader" / "reference_values.npz")}
    for each in (ATTACKS if name == "all" else [name]):
        source = attack(each, source, **paths)
    before = digest_tree(autograder / "run_autograder", autograder / "source")
    results = run_autograder(autograder, source, bwrap)
    assert results["score"] == score, results.get("output", results)
    assert results["extra_data"]["isolation"] == ("bwrap" if bwrap else "process")
    assert digest_tree(autograder / "run_autograder", autograder / "source") == before
    assert nobody_processes() == []
    # What the grader wrote last stands: no one rewrote it after.
    assert json.loads((autograder / "results" / "results.json").read_text()) == results


def test_the_course_secrets_and_the_grader_are_kept_from_nobody(autograder):
    """After a grade: the stored values are root's alone; nothing of the autograder (the
    grader, its data, run_autograder, the results) is writable by nobody."""
    run_autograder(autograder, STARTER, bwrap=False)
    values = autograder / "source" / "grader" / "reference_values.npz"
    assert stat.S_IMODE(values.stat().st_mode) & 0o077 == 0
    for path in [autograder / "run_autograder", autograder / "results",
                 *(autograder / "source" / "grader").rglob("*"),
                 *(autograder / "source" / "datasets").rglob("*")]:
        status = path.lstat()
        assert status.st_uid != NOBODY.uid and not status.st_mode & stat.S_IWOTH, path


def test_where_no_user_switch_is_possible_the_results_say_so(autograder):
    """Neither bubblewrap nor a user switch: graded all the same, warned on stderr and
    recorded in results.json as process-as-root."""
    root = autograder
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.copytree(SOLUTION_DIR, root / "submission")
    completed = subprocess.run(
        ["bash", str(root / "run_autograder")], cwd=root, capture_output=True, text=True,
        timeout=300, env={**os.environ, "AUTOGRADER_ROOT": str(root),
                          "GRADER_SIMULATE_MISSING": "setuid",
                          "PATH": refusing_bwrap(root.parent / "no-bwrap")})
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["extra_data"]["isolation"] == privileges.PROCESS_AS_ROOT
    assert results["score"] == SOLUTION_SCORE
    assert "Isolation: process-as-root" in results["output"]
    assert completed.stdout.splitlines()[-1] == "isolation: process-as-root"
    assert completed.stderr.count("WARNING: student code runs as root") == 1


# -- a regrade, as root ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def course_copy():
    """This repository's grader, data and solution in a folder nobody may pass through,
    with a venv nobody can run."""
    base = open_folder("course-")
    course = base / "course"
    course.mkdir()
    for name in ("grader", "datasets", "solution", "starter", ".course-repository",
                 "pyproject.toml"):
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, course / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, course / name)
    python = make_venv(base / "venv")
    yield course, python
    shutil.rmtree(base, ignore_errors=True)


@serial
@pytest.mark.parametrize("sandbox", [
    "none", pytest.param("bwrap", marks=pytest.mark.skipif(
        BWRAP_PROBLEM is not None, reason=f"bubblewrap cannot run: {BWRAP_PROBLEM}"))])
def test_a_regrade_as_root_keeps_every_attack_at_its_honest_score(course_copy, sandbox,
                                                                 tmp_path):
    """The regrade's zygotes: a root one (process isolation) whose workers switch to nobody
    before the import, or sandboxes started as nobody; two job slots at once."""
    course, python = course_copy
    submissions, out = open_folder("class-"), course.parent / f"out-{sandbox}"
    paths = {"run_autograder": str(course / "grader" / "__main__.py"),
             "checks": str(course / "grader" / "checks"), "lab": str(course / "grader" / "lab.py"),
             "results": str(out / "grades.csv"), "json_results": str(out / "summary.md"),
             "values": str(course / "solution" / "backprop.py")}
    expected = {"honest": f"{bonus_total(110, 110, 4):g}"}  # with the hidden checks
    (submissions / "honest").mkdir()
    (submissions / "honest" / "backprop.py").write_text(SOLUTION, encoding="utf-8")
    for name in ATTACKS:
        (submissions / name).mkdir()
        (submissions / name / "backprop.py").write_text(attack(name, STARTER, **paths),
                                                          encoding="utf-8")
        expected[name] = "0"
    before = digest_tree(course)
    completed = subprocess.run(
        [str(python), "-m", "grader", "regrade", str(submissions), "--out", str(out),
         "--sandbox", sandbox, "--jobs", "2", "--no-progress"], cwd=course,
        capture_output=True, text=True, timeout=600)
    shutil.rmtree(submissions, ignore_errors=True)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with (out / "grades.csv").open(encoding="utf-8-sig", newline="") as stream:
        table = {row["submission"]: row for row in csv.DictReader(stream)}
    assert {name: row["total"] for name, row in table.items()} == expected
    assert {row["isolation"] for row in table.values()} == {
        "bwrap" if sandbox == "bwrap" else "process"}
    assert digest_tree(course) == before
    assert nobody_processes() == []
    assert "student code runs as root" not in completed.stderr


# -- the parts -----------------------------------------------------------------------------

def test_a_switched_worker_cannot_take_root_back():
    """What a root zygote's worker does before the import: nobody, no groups, for good."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(reader)
        try:
            processes.switch_user(*NOBODY.ids)
            try:
                os.setuid(0)
                seen = "took root back"
            except PermissionError:
                seen = f"{os.getuid()} {os.geteuid()} {os.getgid()} {os.getgroups()}"
        except BaseException as error:  # noqa: B036 - whatever happens, the child ends here
            seen = repr(error)
        os.write(writer, seen.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as stream:
        seen = stream.read()
    os.waitpid(child, 0)
    assert seen == f"{NOBODY.uid} {NOBODY.uid} {NOBODY.gid} []"
    assert privileges.account_named("no-such-user-here").ids == (65534, 65534)


def test_shield_takes_from_others_only_what_the_bits_granted(tmp_path, monkeypatch):
    secret, tree, out, shared = (tmp_path / name for name in ("secret", "tree", "out", "tmp"))
    for folder, mode in ((secret, 0o755), (tree, 0o777), (out, 0o777), (shared, 0o1777)):
        folder.mkdir()
        folder.chmod(mode)
    (secret / "values.npz").write_bytes(b"answers")
    (secret / "values.npz").chmod(0o644)
    (tree / "check.py").write_text("")
    (tree / "check.py").chmod(0o666)
    (tree / "lab.py").write_text("")
    (tree / "lab.py").chmod(0o644)
    os.chown(tree / "lab.py", *NOBODY.ids)  # a file nobody owns goes back to root
    (tree / "link").symlink_to("/etc/passwd")  # never followed
    monkeypatch.setattr(privileges, "secrets", lambda: [secret])
    monkeypatch.setattr(privileges, "GRADER_TREES", (tree,))
    changed = privileges.shield(NOBODY, outputs=[out, shared])

    def mode(path):
        return stat.S_IMODE(path.stat().st_mode)

    assert (mode(secret), mode(secret / "values.npz")) == (0o700, 0o600)
    assert (mode(tree), mode(tree / "check.py"), mode(tree / "lab.py")) == (0o755, 0o644, 0o644)
    assert (tree / "lab.py").stat().st_uid == 0
    assert (mode(out), mode(shared)) == (0o755, 0o1777)  # a sticky folder is everyone's
    assert mode(Path("/etc/passwd")) == 0o644
    assert set(changed) == {secret, secret / "values.npz", tree, tree / "check.py",
                            tree / "lab.py", out}
    assert privileges.shield(None) == []  # not root: nothing to keep from anyone


def test_in_the_course_repository_all_it_does_not_ship_is_secret():
    """The solution, the tests (with their correct variants), the history: never readable
    by student code; the grader, the data, the starter and the grading Python are."""
    names = {path.name for path in privileges.secrets()
             if path.parent == REPO_ROOT}
    assert {"solution", "tests", "benchmarks", "README.md"} <= names
    assert not names & {"grader", "datasets", "starter", ".github", "pyproject.toml",
                        "requirements.lock"}
    assert not any(Path(sys.prefix).resolve().is_relative_to(REPO_ROOT / name)
                   for name in names)
    assert {privileges.paths.REFERENCE_VALUES, privileges.paths.HIDDEN_CHECKS_DIR} <= set(
        privileges.secrets())
