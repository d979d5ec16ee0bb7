"""The build's one step beyond pyproject.toml: a built package (`pip install .`, a wheel,
an sdist) carries what grading needs of the repository (the data sets, the given code, the
solution where this copy has it), copied into grader/packaged/ in the repository's layout.
The list is grader.lab.PACKAGED_FILES; grader.paths reads them from there. An editable
install reads the repository itself and gets no copy."""

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class build_py_with_lab_files(build_py):  # noqa: N801 - setuptools' command naming
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        lab = runpy.run_path(str(ROOT / "grader" / "lab.py"))  # it imports nothing
        packaged = Path(self.build_lib) / "grader" / "packaged"
        shutil.rmtree(packaged, ignore_errors=True)
        for relative in lab["PACKAGED_FILES"]:
            source, target = ROOT / relative, packaged / relative
            if source.is_dir():
                shutil.copytree(source, target)
            elif source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


setup(cmdclass={"build_py": build_py_with_lab_files})
