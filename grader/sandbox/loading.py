"""Import a Python file as a module under a name of our choosing."""

import importlib.util
import sys


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
