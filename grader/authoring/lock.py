"""requirements.lock: the pinned versions of every dependency, for every supported Python.

    python -m grader.authoring.lock PYTHON...      (`make lock`: one interpreter per version)

One universal lock: each supported CPython (pyproject.toml's classifiers) resolves the
dependencies of pyproject.toml (the core and the dev extra) on its own, in a fresh virtual
environment; the resolutions are merged into one constraints file, where a pin that every
version shares is one plain line and the others carry a marker naming their versions:

    numpy==2.2.6; python_version == "3.10"
    numpy==2.4.6; python_version == "3.11"

pip reads the markers, so `pip install -c requirements.lock ...` is pinned on each of them
(make, the template, CI, Gradescope's setup.sh). Needs Python 3.11 or newer (tomllib).
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from grader.paths import REPO_ROOT

LOCK = REPO_ROOT / "requirements.lock"
PYPROJECT = REPO_ROOT / "pyproject.toml"
CLASSIFIER = "Programming Language :: Python :: "
HEADER = ("# Pinned by `make lock` on CPython {versions}, each resolved on its own; a line with\n"
          "# a marker holds for the versions it names. Bounds live in pyproject.toml.\n")
LOCKED_EXTRAS = ("dev",)  # the extras whose dependencies are pinned (with the core)


def project(path=PYPROJECT):
    try:
        import tomllib
    except ImportError:  # Python 3.10
        sys.exit("the lock is made from pyproject.toml, read with tomllib: run it with "
                 "Python 3.11 or newer (`make lock PYTHON=python3.11`, in a fresh .venv)")

    return tomllib.loads(Path(path).read_text(encoding="utf-8"))["project"]


def supported_pythons(path=PYPROJECT):
    """["3.10", ...]: the X.Y versions pyproject.toml's classifiers name."""
    found = [text[len(CLASSIFIER):] for text in project(path).get("classifiers", ())
             if text.startswith(CLASSIFIER) and text[len(CLASSIFIER):].count(".") == 1]
    return sorted(found, key=lambda version: tuple(map(int, version.split("."))))


def direct_requirements(path=PYPROJECT):
    """[Requirement] of the core dependencies and the LOCKED_EXTRAS."""
    listed = project(path)
    texts = list(listed["dependencies"])
    for extra in LOCKED_EXTRAS:
        texts += listed.get("optional-dependencies", {}).get(extra, [])
    return [Requirement(text) for text in texts]


def resolve(python, requirements):
    """{name: version} that pip installs today for `requirements` with `python`, in a
    fresh virtual environment (pip itself left out)."""
    with tempfile.TemporaryDirectory(prefix="lock-") as scratch:
        venv = Path(scratch) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        bin_folder = venv / ("Scripts" if sys.platform == "win32" else "bin")
        listed = Path(scratch) / "requirements.txt"
        listed.write_text("".join(f"{r}\n" for r in requirements), encoding="utf-8")
        subprocess.run([str(bin_folder / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "-r", str(listed)], check=True)
        frozen = subprocess.run([str(bin_folder / "python"), "-m", "pip", "freeze", "--all"],
                                check=True, capture_output=True, text=True).stdout
    pins = {}
    for line in frozen.splitlines():
        name, _, version = line.partition("==")
        if version and canonicalize_name(name) != "pip":
            pins[name] = version
    return pins


def marker_for(versions, supported):
    """The marker limiting a line to `versions` ("" when they are all supported ones)."""
    if set(versions) == set(supported):
        return ""
    return " or ".join(f'python_version == "{version}"' for version in versions)


def merge(resolutions, supported):
    """The lock's lines (header aside) from {python version: {name: version}}."""
    names, versions_of = {}, {}
    for python in supported:
        for name, version in resolutions[python].items():
            key = canonicalize_name(name)
            names.setdefault(key, name)
            versions_of.setdefault(key, {}).setdefault(version, []).append(python)
    lines = []
    for key in sorted(names):
        for version, pythons in sorted(versions_of[key].items(), key=lambda item: item[1]):
            marker = marker_for(pythons, supported)
            lines.append(f"{names[key]}=={version}" + (f"; {marker}" if marker else ""))
    return lines


def pins_for(text, python):
    """{canonical name: [versions]} the lock's `text` pins on Python `python` ("3.11")."""
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    pins = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pin, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate(environment):
            continue
        name, _, version = pin.strip().partition("==")
        pins.setdefault(canonicalize_name(name), []).append(version)
    return pins


def interpreter_version(python):
    return subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          check=True, capture_output=True, text=True).stdout.strip()


def main(argv):
    """Resolve on each interpreter named (one per supported version) and write the lock."""
    supported = supported_pythons()
    found = {interpreter_version(python): python for python in argv}
    missing = [version for version in supported if version not in found]
    if missing:
        sys.exit(f"no interpreter given for Python {', '.join(missing)}: name one of each "
                 f"supported version ({', '.join(supported)}), e.g. "
                 f"`make lock LOCK_PYTHONS=\"python3.10 python3.11 ...\"`")
    requirements = direct_requirements()
    resolutions = {}
    for version in supported:
        print(f"resolving on Python {version} ({found[version]})...", flush=True)
        resolutions[version] = resolve(found[version], requirements)
    text = HEADER.format(versions=", ".join(supported)) + "".join(
        f"{line}\n" for line in merge(resolutions, supported))
    LOCK.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {LOCK}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
