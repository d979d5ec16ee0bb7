"""What the worker watches while student code runs, out of the submission's reach.

Only records and refusals; the grader decides what the records mean (grader.intake.rules
for imports, grader.sandbox.handle for the rest).

- The Sentry is an audit hook (PEP 578: once added, no code can remove it), installed
  before the submission is imported. It refuses, and remembers, what only code that
  subverts the grader needs: other threads' frames (sys._current_frames), the garbage
  collector's object lists, ctypes, tracing and profiling, reading a process's memory
  file (also through a link), an audit hook of its own, code made under an installed
  library's file name, and rebinding the code, defaults or attributes of functions and
  classes that existed before the submission (numpy's, matplotlib's, the worker's). It
  records every import of a module that is neither the standard library, numpy,
  matplotlib, nor the submission's own, unless an installed library's own code asked for
  it (a computed name, a thread, a file of a package executed by hand are the
  submission's; the packages matplotlib loaded are hidden from sys.modules meanwhile:
  grader.sandbox.hiding), what the submission prints, and it counts the contract's
  training functions called while the submission is imported (and threads started
  then). Its state lives in closures and default arguments that no frame of the
  submission's threads holds (grader.sandbox.worker runs student code in threads of its
  own), and it calls no code of the submission.
- Snapshot holds, before the import, every function and class of numpy, matplotlib,
  builtins, sys, the standard modules the worker's serialisation uses (json, base64...)
  and the worker's own modules; `replaced()` names those since rebound.

This module travels into the sandbox with the worker: it imports nothing of the grader's
but grader.sandbox.hiding.
"""

import _thread
import importlib
import itertools
import os
import sys
from collections import OrderedDict
from importlib.machinery import ModuleSpec
from types import CodeType, FunctionType, ModuleType

from grader.sandbox.hiding import (
    LIBRARY_ONLY,
    RUNTIME_ALLOWED,
    Served,
    hide_library_modules,
    make_rehide,
)

REFUSED = {"sys._current_frames": "reads other threads' frames",
           "sys.addaudithook": "adds an audit hook (code that would run inside the grader's)",
           "gc.get_objects": "lists the garbage collector's objects",
           "gc.get_referrers": "lists the garbage collector's objects",
           "gc.get_referents": "lists the garbage collector's objects",
           "sys.settrace": "installs a tracer", "sys.setprofile": "installs a profiler"}
PROTECTED_ATTRIBUTES = ("__code__", "__defaults__", "__kwdefaults__")
# Every module of these packages loaded before the submission: the functions the worker,
# its serialisation (json, base64, numpy's np.save) and matplotlib's getters rely on.
WATCHED_MODULES = ("builtins", "sys", "numpy", "matplotlib", "PIL", "contourpy", "kiwisolver",
                   "json", "base64", "binascii", "io", "_io", "struct", "_struct", "hmac",
                   "hashlib", "_hashlib", "gc", "_thread", "threading", "traceback",
                   "itertools", "time", "os", "posix", "importlib", "warnings", "copy",
                   "functools", "operator", "math", "zlib", "codecs", "abc", "types",
                   "collections", "grader")
WATCHED_CLASSES = (("matplotlib.figure", "Figure"), ("matplotlib.axes", "Axes"),
                   ("matplotlib.collections", "PathCollection"), ("matplotlib.lines", "Line2D"),
                   ("grader.sandbox.worker", "Worker"))
LIBRARY_FOLDERS = ("site-packages", "dist-packages")
OUTPUT_LIMIT = 20_000  # characters of printed output kept per request
DEV_MEM = os.makedev(1, 1) if hasattr(os, "makedev") else -1  # the device /dev/mem is
IMPORTLIB_FOLDER = os.path.dirname(importlib.__file__) + "/"  # import_module, util...


def _library_roots():
    """Folders holding installed packages (site-packages), as seen by this process."""
    roots = {entry for entry in sys.path if entry.endswith(LIBRARY_FOLDERS)}
    return tuple(sorted(root.rstrip("/") + "/" for root in roots))


def install_sentry(submission_folder, training_functions, show_files=()):
    """Add the audit hook; returns (report, profiler).

    report() -> {"flags": [what was refused], "imports": [{"module", "line", "file"}],
    "output": what the submission printed since the last report (worker.CappedOutput),
    "figures_open": how many pyplot figures are open,
    "training": {function: calls while importing}, "threads": threads started while
    importing, "shown": calls of a function `show` of a file ending in one of
    show_files while importing}: plain data, read by the worker's own thread. profiler: the function
    the import's thread installs with sys.setprofile (the one profiler allowed).
    """
    folder = os.path.realpath(submission_folder) + "/"
    flags, records = [], []
    setprofile_left = [1]  # the import thread's own profiler, once
    protected_globals = {id(vars(module)) for module in list(sys.modules.values())
                         if isinstance(module, ModuleType)}
    protected_types = _existing_types()
    counts = tuple(itertools.count() for _ in training_functions)
    threads_started, shown = itertools.count(), itertools.count()
    hidden = hide_library_modules()
    printed = ([], [0, 0])  # (texts kept, [characters kept, characters written])
    hook = _make_hook(folder, flags, records, setprofile_left, protected_globals,
                      protected_types, _library_roots(), hidden, printed)
    sys.addaudithook(hook)
    watch = ImportWatch()
    sys.meta_path.insert(0, watch)
    profiler = _make_profiler(folder, tuple(training_functions), counts, threads_started,
                              shown, tuple(show_files))
    rehide = make_rehide(hidden, flags)
    # pyplot's open figures (its class attribute cannot be rebound: protected_types).
    figures = getattr(getattr(sys.modules.get("matplotlib._pylab_helpers"), "Gcf", None),
                      "figs", None)

    def report(_value=_counted, _list=list, _dict=dict, _zip=zip, _type=type, _sys=sys,
               _any=any, _join="".join, _len=len, _ordered=OrderedDict):
        rehide()
        kept, (kept_size, size) = printed
        output = _join(kept)
        if size > kept_size:
            output += f"\n... ({size - kept_size} more characters not shown)"
        kept.clear()
        printed[1][:] = [0, 0]
        meta_path = _sys.meta_path
        if _type(meta_path) is not _list or not _any(entry is watch for entry in meta_path):
            reason = "removes the grader's import watch from sys.meta_path"
            if reason not in flags:
                flags.append(reason)
        return {"flags": _list(flags), "imports": [_dict(record) for record in records],
                "output": output,
                "figures_open": _len(figures) if _type(figures) is _ordered else 0,
                "training": {name: _value(count) for name, count in
                             _zip(training_functions, counts)},
                "threads": _value(threads_started), "shown": _value(shown)}

    return report, profiler


class ImportWatch:
    """A meta path finder that finds nothing and tells the sentry (by an audit event)
    every name the import system looks for: also computed names, failed imports and
    importlib.import_module, which raise no "import" event of their own. No instance
    attributes (__slots__), so no method of it can be shadowed."""

    __slots__ = ()

    def find_spec(self, name, path=None, target=None, _audit=sys.audit, _type=type,
                  _str=str, _issubclass=issubclass):
        """None, or the spec serving a hidden module back (filled in by the sentry)."""
        if not _issubclass(_type(name), _str):
            return None
        served = []
        _audit("grader.import", _str.__str__(name), served)
        return served[0] if served else None


def _counted(count, _reduce=itertools.count.__reduce__):
    """The value of an itertools.count without advancing it."""
    return _reduce(count)[1][0]


def _existing_types():
    """ids of every class reachable from a loaded module: nothing the submission made."""
    found = set()
    for module in list(sys.modules.values()):
        if isinstance(module, ModuleType):
            for value in list(vars(module).values()):
                if isinstance(value, type):
                    found.update(id(klass) for klass in value.__mro__)
    return found


def _make_hook(folder, flags, records, setprofile_left, protected_globals, protected_types,
               library_roots, hidden, printed, _type=type, _id=id, _str=str, _bytes=bytes,
               _issubclass=issubclass, _function=FunctionType, _code=CodeType,
               _getframe=sys._getframe, _allowed=frozenset(RUNTIME_ALLOWED),
               _library_only=frozenset(LIBRARY_ONLY), _stdlib=frozenset(sys.stdlib_module_names),
               _refused=REFUSED, _protected=PROTECTED_ATTRIBUTES, _error=PermissionError,
               _memory=None, _len=len, _list=list, _spec=ModuleSpec, _served=Served,
               _own_file=__file__, _importlib=IMPORTLIB_FOLDER, _limit=OUTPUT_LIMIT,
               _ident=_thread.get_ident, _stat=os.stat,
               _dev_mem=DEV_MEM):
    """The audit hook. Arguments are read only as exact built-in types (a str subclass
    is copied with str.__str__ first), so no code of the submission ever runs inside it,
    where it could see the hook's frame."""
    busy, _memory = set(), _memory or _is_memory  # threads inside the hook
    try:
        proc_device = _stat("/proc/self").st_dev
    except OSError:
        proc_device = -1
    library_only = _library_only | {name.partition(".")[0] for name in hidden}

    def text(value):
        return _str.__str__(value) if _issubclass(_type(value), _str) else None

    def refuse(reason):
        if reason not in flags:
            flags.append(reason)
        raise _error(f"the grader does not allow this: the submission {reason}")

    def record(name, charged=False):
        top = name.partition(".")[0]
        if not charged and (top in _allowed or top in _stdlib):
            return
        line, file, frame = 0, "", _getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if _type(filename) is _str and filename.startswith(folder):
                line, file = frame.f_lineno, filename[_len(folder):]
                break
            frame = frame.f_back
        entry = {"module": top, "line": line, "file": file}
        if entry not in records:
            records.append(entry)

    def machinery(filename):
        return filename == _own_file or filename.startswith(("<frozen importlib", _importlib))

    def asked_by_a_library():
        """Whether the import under way was asked for by an installed library's own code:
        the first frame outside the import machinery that is a library's or the
        submission's (threads and the standard library between are looked through)."""
        frame = _getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if _type(filename) is not _str:
                return False
            if not machinery(filename):
                if filename.startswith(library_roots):
                    return True
                if filename.startswith(folder):
                    return False
            frame = frame.f_back
        return False

    def called_by_a_library():
        """Whether the code raising this event is the import machinery's or a library's."""
        frame = _getframe(1)
        while frame is not None and frame.f_code.co_filename == _own_file:
            frame = frame.f_back
        filename = frame.f_code.co_filename if frame is not None else ""
        return _type(filename) is _str and (machinery(filename)
                                            or filename.startswith(library_roots))

    def serve(name, into):
        module, spec, origin, locations = hidden[name]
        served = _spec(name, _served(module, spec), origin=origin,
                       is_package=locations is not None)
        if locations is not None:
            served.submodule_search_locations = _list(locations)
        into.append(served)

    def imported(event, args):
        name = text(args[0])
        if not asked_by_a_library():
            record(name, charged=name.partition(".")[0] in library_only)
        if event == "grader.import" and _len(args) > 1 and _type(args[1]) is _list \
                and name in hidden:
            serve(name, args[1])

    def named_as_a_library(filename):
        path = text(filename)
        if path is None and _issubclass(_type(filename), _bytes):
            path = _bytes.decode(filename, "utf-8", "replace")
        return path is not None and path.startswith(library_roots)

    def memory_file(path):
        """Whether path leads (through links, `..`, another name) to a file of /proc that
        only its owner may read (mem, pagemap, environ...) or to /dev/mem: asked of the
        system itself (os.stat), so that no Python code runs here."""
        try:
            status = _stat(path)
        except (OSError, ValueError):
            return False
        return (status.st_dev == proc_device and status.st_mode & 0o077 == 0) or (
            status.st_rdev == _dev_mem and status.st_rdev != 0)

    def keep_output(text):
        kept, sizes = printed
        room = _limit - sizes[0]
        if room > 0:
            kept.append(text[:room])
            sizes[0] += _len(kept[-1])
        sizes[1] += _len(text)

    def check(event, args):
        if event == "grader.output":
            if _len(args) == 1 and _type(args[0]) is _str:
                keep_output(args[0])
        elif event in _refused:
            if event == "sys.setprofile" and setprofile_left[0]:
                setprofile_left[0] = 0
                return
            refuse(_refused[event])
        elif event.startswith("ctypes."):
            refuse("uses ctypes")
        elif event == "object.__setattr__":
            owner = args[0]
            if _type(owner) is _function and text(args[1]) in _protected \
                    and _id(owner.__globals__) in protected_globals:
                refuse(replaced(owner, args[1]))
            elif _id(owner) in protected_types:
                refuse(replaced(owner, args[1]))
        elif event == "open":
            path = text(args[0])
            if path is None and _issubclass(_type(args[0]), _bytes):
                path = _bytes.decode(args[0], "utf-8", "replace")
            if path is not None and (_memory(path) or memory_file(path)):
                refuse("reads a process's memory")
        elif event in ("import", "grader.import") and text(args[0]) is not None:
            imported(event, args)
        elif event in ("compile", "code.__new__") and _len(args) > 1 \
                and named_as_a_library(args[1]) and not called_by_a_library():
            refuse("makes code under the file name of an installed library")
        elif event == "exec" and _type(args[0]) is _code and _type(args[0].co_filename) is _str:
            filename = args[0].co_filename
            for root in library_roots:
                if filename.startswith(root) and not asked_by_a_library():
                    record(filename[_len(root):].partition("/")[0].removesuffix(".py"))

    def replaced(owner, attribute):
        name = text(attribute) or "an attribute"
        qualname = owner.__qualname__ if _type(owner) is _function else \
            _type.__dict__["__qualname__"].__get__(owner)
        return f"replaces {text(qualname) or 'a function'}.{name}"

    def hook(event, args):
        me = _ident()
        if me in busy:  # an event of the hook's own work: never a thread's other one
            return
        busy.add(me)
        try:
            check(event, args)
        finally:
            busy.discard(me)

    return hook


def _is_memory(path):
    """Whether path names a process's memory (/proc/<pid>/mem, .../pagemap, /dev/mem)."""
    return path == "/dev/mem" or (path.startswith("/proc/")
                                  and path.endswith(("/mem", "/pagemap")))


def _make_profiler(folder, names, counts, threads_started, shown, show_files,
                   _start=_thread.start_new_thread, _next=next, _str=str, _type=type):
    """A profile function counting calls of the training functions defined in the
    submission's folder, of matplotlib's show(), and threads started, while the
    submission is imported."""
    def profiler(frame, event, arg):
        if event == "call":
            code = frame.f_code
            if _type(code.co_filename) is not _str:
                return
            if code.co_name in names and code.co_filename.startswith(folder):
                _next(counts[names.index(code.co_name)])
            elif code.co_name == "show" and code.co_filename.endswith(show_files):
                _next(shown)
        elif event == "c_call" and arg is _start:
            _next(threads_started)

    return profiler


def _members(owner):
    """{attribute: value} of the functions, classes and descriptors defined on owner."""
    return {name: value for name, value in vars(owner).items()
            if not isinstance(value, ModuleType)
            and (callable(value) or isinstance(value, (property, classmethod, staticmethod)))}


class Snapshot:
    """The identity of every watched function, taken once (before the import)."""

    def __init__(self):
        self.owners = {}  # dotted name -> (object owning the attributes, {attribute: value})
        packages = tuple(f"{name}." for name in WATCHED_MODULES)
        for module_name, module in list(sys.modules.items()):
            if isinstance(module, ModuleType) and (module_name in WATCHED_MODULES
                                                   or module_name.startswith(packages)):
                self.owners[module_name] = (module, _members(module))
        for module_name, class_name in WATCHED_CLASSES:
            module = sys.modules.get(module_name)
            for klass in getattr(getattr(module, class_name, None), "__mro__", ()):
                if klass is not object and f"{klass.__module__}.{klass.__qualname__}" \
                        not in self.owners:
                    self.owners[f"{klass.__module__}.{klass.__qualname__}"] = (
                        klass, _members(klass))

    def replaced(self, earlier=(), _vars=vars, _sorted=sorted, _set=set, _type=type,
                 _str=str):
        """Sorted dotted names of watched functions rebound or deleted since the snapshot,
        with `earlier` ones. The builtins used are bound at definition (a patched
        builtins.sorted must not hide itself), and only str keys are looked up (a key
        of the submission's with a str's hash never gets compared)."""
        found = _set(earlier)
        for prefix, (owner, members) in self.owners.items():
            current = {name: value for name, value in _vars(owner).items()
                       if _type(name) is _str}
            found.update(f"{prefix}.{name}" for name, value in members.items()
                         if current.get(name) is not value)
        return _sorted(found)
