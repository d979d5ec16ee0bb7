"""Classroom 50's autograder for this lab: grades the student's checkout with this bundle's
grader (written by `python -m grader export-classroom50`).

Classroom 50's runner runs `python3 autograder.py` with the student's checkout as the
working directory. This script:
1. removes what a student could have committed in place of the grade (result.json,
   release-body.md, a grading-output that is a link or a file);
2. installs the grader's dependencies, pinned by the bundle's requirements.lock, into the
   job's Python (nothing to do when they are there);
3. on GitHub's runners, lets bubblewrap (the sandbox of student code) create user
   namespaces, which Ubuntu's AppArmor refuses by default (the runner has sudo);
4. runs `python -m grader` with the bundle as working directory, so the bundle's grader
   is imported, never the student's copy of grader/; it writes result.json,
   release-body.md, the status and grading-output/ (feedback and figures) in the checkout.

Exit code: 0 whatever the grade; non-zero only when the grader itself failed (the runner
then records an error, with no Release).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

BUNDLE = Path(__file__).resolve().parent
OUT = "grading-output"
LOCK = "requirements.lock"
LEFTOVERS = ("result.json", "release-body.md")
USERNS_SYSCTL = "kernel.apparmor_restrict_unprivileged_userns"
# The variables through which a Python picks up other code than the bundle's.
FOREIGN = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "PYTHONSAFEPATH")


def say(message):
    print(f"autograder: {message}", flush=True)


def clear_leftovers(checkout):
    for name in LEFTOVERS:
        path = checkout / name
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
    out = checkout / OUT
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        out.unlink()


def dependencies():
    """The grader's requirements, from the bundle's pyproject.toml ([project] dependencies)."""
    text = (BUNDLE / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the one list, read by hand
        block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.MULTILINE | re.DOTALL)
        return re.findall(r"[\"']([^\"']+)[\"']", block.group(1)) if block else []
    return tomllib.loads(text).get("project", {}).get("dependencies", [])


def lock_file():
    """The bundle's requirements.lock (its pins carry markers for each supported Python; a
    Python it does not name takes the newest versions within pyproject.toml's bounds), or
    None when the bundle has none."""
    path = BUNDLE / LOCK
    return path if path.is_file() else None


def install():
    lock = lock_file()
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               *(["-c", str(lock)] if lock else []), *dependencies()]
    say("installing the grader's dependencies" + (f" pinned by {lock.name}" if lock else ""))
    return subprocess.run(command, cwd=BUNDLE).returncode == 0


def allow_sandbox():
    """On a GitHub-hosted runner: bubblewrap present, and allowed its user namespaces."""
    if os.environ.get("RUNNER_ENVIRONMENT") != "github-hosted" or not shutil.which("sudo"):
        return
    if not shutil.which("bwrap"):
        say("bubblewrap is missing (add it to the assignment's runtime apt list): installing")
        subprocess.run(["sudo", "-n", "apt-get", "install", "-y", "-qq", "bubblewrap"],
                       stdout=subprocess.DEVNULL, check=False)
    if Path("/proc/sys", *USERNS_SYSCTL.split(".")).exists():
        subprocess.run(["sudo", "-n", "sysctl", "-qw", f"{USERNS_SYSCTL}=0"], check=False)


def main():
    checkout = Path.cwd().resolve()
    clear_leftovers(checkout)
    if not install():
        say("the dependencies could not be installed: the grader did not run")
        return 2
    allow_sandbox()
    environment = {key: value for key, value in os.environ.items() if key not in FOREIGN}
    command = [sys.executable, "-m", "grader", str(checkout), "--classroom50", str(checkout),
               "--out", str(checkout / OUT)]
    # cwd is the bundle: `-m grader` imports the bundle's grader, never the checkout's.
    graded = subprocess.run(command, cwd=BUNDLE, env=environment)
    if graded.returncode != 0:
        say(f"the grader itself failed (exit code {graded.returncode})")
    return graded.returncode


if __name__ == "__main__":
    sys.exit(main())
