"""What the worker watches while student code runs: imports, and replaced functions.

Both only record; the grader decides what the records mean (grader.intake.rules for
imports, grader.sandbox.handle for replacements).

- ImportAudit, a sys.meta_path finder installed before the submission is imported, sees
  every import that reaches the import system (a name not imported yet), also those that
  fail and those whose name is computed (importlib.import_module("sc" + "ipy")). It keeps
  the ones the submission's own code asked for, with the submission's line.
- Snapshot holds, before the import, every function and class of numpy, matplotlib,
  builtins, sys and the worker's own modules; `replaced()` names those since rebound.

This module travels into the sandbox with the worker: it imports nothing of the grader.
"""

import sys
from pathlib import Path
from types import ModuleType

# Frames of the import machinery itself, skipped to find who asked for an import.
IMPORT_MACHINERY = ("<frozen importlib._bootstrap", str(Path(__import__("importlib").__file__)))
LIBRARY_FOLDERS = ("site-packages", "dist-packages")
WATCHED_MODULES = ("builtins", "sys", "numpy", "numpy.linalg", "numpy.testing",
                   "matplotlib", "matplotlib.pyplot", "matplotlib.figure", "matplotlib.axes",
                   "matplotlib.collections", "matplotlib.lines", "matplotlib.colors",
                   "grader.sandbox.worker", "grader.sandbox.figures", "grader.sandbox.protocol",
                   "grader.sandbox.training", "grader.sandbox.loading", "grader.sandbox.guard")
WATCHED_CLASSES = (("matplotlib.figure", "Figure"), ("matplotlib.axes", "Axes"),
                   ("matplotlib.collections", "PathCollection"), ("matplotlib.lines", "Line2D"),
                   ("grader.sandbox.worker", "Worker"))


class ImportAudit:
    """A meta path finder that finds nothing and records who tried to import what."""

    def __init__(self, submission_folder):
        self.folder = str(Path(submission_folder).resolve()) + "/"
        self.records = []  # {"module": top-level name, "file": name in the folder, "line"}
        self.reported = 0

    def find_spec(self, name, path=None, target=None):
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith(IMPORT_MACHINERY):
            frame = frame.f_back
        if frame is None or any(part in frame.f_code.co_filename for part in LIBRARY_FOLDERS):
            return None  # numpy or matplotlib importing their own parts
        student = frame
        while student is not None and not student.f_code.co_filename.startswith(self.folder):
            student = student.f_back
        if student is not None:
            record = {"module": name.partition(".")[0], "line": student.f_lineno,
                      "file": Path(student.f_code.co_filename).name}
            if record not in self.records:
                self.records.append(record)
        return None

    def new_records(self):
        """Records made since the last call."""
        fresh = self.records[self.reported:]
        self.reported = len(self.records)
        return fresh

    def install(self):
        sys.meta_path.insert(0, self)


def _members(owner):
    """{attribute: value} of the functions, classes and descriptors defined on owner."""
    return {name: value for name, value in vars(owner).items()
            if not isinstance(value, ModuleType)
            and (callable(value) or isinstance(value, (property, classmethod, staticmethod)))}


class Snapshot:
    """The identity of every watched function, taken once (before the import)."""

    def __init__(self, audit=None):
        self.audit = audit
        self.owners = {}  # dotted name -> (object owning the attributes, {attribute: value})
        for module_name in WATCHED_MODULES:
            module = sys.modules.get(module_name)
            if module is not None:
                self.owners[module_name] = (module, _members(module))
        for module_name, class_name in WATCHED_CLASSES:
            module = sys.modules.get(module_name)
            for klass in getattr(getattr(module, class_name, None), "__mro__", ()):
                if klass is not object and f"{klass.__module__}.{klass.__qualname__}" \
                        not in self.owners:
                    self.owners[f"{klass.__module__}.{klass.__qualname__}"] = (
                        klass, _members(klass))

    def replaced(self, earlier=(), _vars=vars, _sorted=sorted, _set=set):
        """Sorted dotted names of watched functions rebound or deleted since the snapshot,
        with `earlier` ones. The builtins used are bound at definition: a patched
        builtins.sorted must not hide itself."""
        found = _set(earlier)
        for prefix, (owner, members) in self.owners.items():
            current = _vars(owner)
            found.update(f"{prefix}.{name}" for name, value in members.items()
                         if current.get(name) is not value)
        if self.audit is not None and self.audit not in sys.meta_path:
            found.add("sys.meta_path (the import audit)")
        return _sorted(found)
