"""Import a Python file as a module under a name of our choosing (optionally with some
of its imports deferred until used)."""

import importlib
import importlib.util
import sys
import types
from contextlib import contextmanager


def import_file(path, module_name):
    """Execute the file at `path` as a fresh module named `module_name` and return it.

    The module is registered in sys.modules (replacing any earlier one of that name) so
    that pickling, dataclasses and tracebacks that look it up find it.
    """
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module



class DeferredModule(types.ModuleType):
    """Stands in for a module that is imported only when one of its attributes is used."""

    __spec__ = None  # what the import system asks of a module found in sys.modules

    def __getattr__(self, attribute):
        return getattr(importlib.import_module(self.__name__), attribute)


@contextmanager
def deferred(*names):
    """While inside, importing `names` (a package and its submodules, parents first)
    binds DeferredModules instead of running them; sys.modules is restored on exit."""
    saved = {name: sys.modules[name] for name in names if name in sys.modules}
    for name in names:
        if name not in saved:
            sys.modules[name] = DeferredModule(name)
            parent, _, child = name.rpartition(".")
            if parent and isinstance(sys.modules.get(parent), DeferredModule):
                setattr(sys.modules[parent], child, sys.modules[name])
    try:
        yield
    finally:
        for name in names:
            if isinstance(sys.modules.get(name), DeferredModule):
                del sys.modules[name]
