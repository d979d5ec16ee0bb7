"""Modules of installed packages the submission may not import itself, taken out of its
sight while it runs (grader.sandbox.guard serves them back and says who asked).

numpy and matplotlib load PIL, kiwisolver, fontTools and others before any submission
runs. An import of a module already in sys.modules raises no audit event and reaches no
import finder, so a computed import of one would never be seen: they are taken out of
sys.modules before the submission's import, and an import of one reaches the guard's
import watch, which hands back the same module object (Served) and records the import
unless matplotlib's own code asked for it. The worker's main thread takes them out
again after every request (make_rehide), should a library's import have put them back.

This module travels into the sandbox with the worker: it imports nothing of the grader.
"""

import sys
from types import ModuleType

# Top-level modules the submission's process may import at run time, besides the
# standard library and the submission's own: numpy, matplotlib and what they import.
RUNTIME_ALLOWED = ("numpy", "matplotlib", "mpl_toolkits", "pylab", "PIL", "contourpy",
                   "cycler", "dateutil", "fontTools", "kiwisolver", "packaging", "pyparsing",
                   "six", "grader", "submission")
# Of those, the ones only numpy's and matplotlib's own code may import: a submission that
# asks for one (a computed name, a thread, sys.modules) breaks the import rule, while
# matplotlib's own imports of them (PIL when it saves a PNG) are never charged.
STUDENT_RUNTIME = ("numpy", "matplotlib", "grader", "submission")
LIBRARY_ONLY = tuple(name for name in RUNTIME_ALLOWED if name not in STUDENT_RUNTIME)


def hide_library_modules(_stdlib=frozenset(sys.stdlib_module_names)):
    """Take out of sys.modules every loaded module of an installed package the submission
    may not import itself (LIBRARY_ONLY, and any other that numpy or matplotlib loaded):
    {name: (module, its spec, the spec's origin, its search locations)}. An import of one
    then reaches the import watch, which serves the same module back (Served) and tells
    the sentry who asked, where an import of a loaded module would raise no event."""
    hidden = {}
    for name, module in list(sys.modules.items()):
        top = name.partition(".")[0]
        if not isinstance(module, ModuleType) or top in STUDENT_RUNTIME or top in _stdlib \
                or (top.startswith("_") and top not in LIBRARY_ONLY):
            continue
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None)
        locations = getattr(spec, "submodule_search_locations", None)
        hidden[name] = (module, spec, origin if type(origin) is str else None,
                        None if locations is None else [str(entry) for entry in locations])
    for name in hidden:
        del sys.modules[name]
    return hidden


class Served:
    """The loader of a hidden module: hands back the module object itself (nothing runs
    again) and gives it back its own spec."""

    __slots__ = ("module", "spec")

    def __init__(self, module, spec):
        self.module, self.spec = module, spec

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        module.__spec__ = self.spec


def make_rehide(hidden, flags, _sys=sys, _type=type, _str=str, _dict=dict, _all=all):
    """A function taking the hidden modules out of sys.modules again (a library's own
    import put them back), run by the worker's main thread between requests. sys.modules
    is only read with str keys: a key of the submission's is never compared."""
    def rehide():
        modules = _sys.modules
        if _type(modules) is not _dict or not _all(_type(key) is _str for key in modules):
            reason = "puts something that is not a module name into sys.modules"
            if reason not in flags:
                flags.append(reason)
            return
        for name, (module, *_rest) in hidden.items():
            if modules.get(name) is module:
                del modules[name]

    return rehide
