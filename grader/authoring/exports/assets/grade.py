"""Grade your backprop.py on any system, with nothing but Python 3.10 or newer:

    python grade.py              (Windows: py grade.py; macOS/Linux: python3 grade.py)
    python grade.py notebook     open lab1.ipynb in JupyterLab

The first run creates .venv next to this file and installs the grader into it, with the
versions of requirements.lock; later runs reuse it (and reinstall only when pyproject.toml
or requirements.lock changes). Other arguments go to the grader: `python grade.py -k
backward`, `python grade.py lab1.ipynb`.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install(extra, marker):
    """pip install this folder (with `extra`, e.g. "[notebook]") into .venv, once."""
    changed = max((HERE / name).stat().st_mtime for name in ("pyproject.toml", "requirements.lock"))
    if marker.exists() and marker.stat().st_mtime >= changed:
        return
    if not PYTHON.exists():
        print(f"Creating {VENV} (once)...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the grader's dependencies (once; this takes a minute)...", flush=True)
    # requirements.lock pins the versions tested, on every supported Python.
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-c", "requirements.lock", "-e", f".{extra}"], cwd=HERE, check=True)
    marker.touch()


def main(argv):
    if sys.version_info < (3, 10):  # noqa: UP036 - the bootstrap runs on any Python
        sys.exit(f"the grader needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    try:
        if argv[:1] == ["notebook"]:
            install("[notebook]", VENV / ".installed-notebook")
            command = [str(PYTHON), "-m", "jupyterlab", "lab1.ipynb", *argv[1:]]
        else:
            install("", VENV / ".installed")
            command = [str(PYTHON), "-m", "grader", *argv]
    except subprocess.CalledProcessError as error:
        sys.exit(f"installing failed (exit code {error.returncode}); see the messages above. "
                 f"Delete {VENV} and try again.")
    return subprocess.run(command, cwd=HERE).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
