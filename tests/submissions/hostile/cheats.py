"""Submissions that cheat the grade rather than escape the sandbox: each is the reference
solution with one shortcut or forgery added, and the score its honest work deserves.

name -> Cheat(points of `python -m grader` without the hidden checks and bonus, the same
in a regrade with the hidden checks, bonus points earned, how the source is made, other
files handed in beside it). The reference earns 100 and 110, and 4 bonus; `expected`
adds the bonus as the course counts it (grader/lab.py BONUS). A submission flagged for
integrity earns nothing from the flagged request on, bonus checks included; a broken
import rule zeroes the total.
"""

from typing import NamedTuple

from tests.grading import bonus_total
from tests.submissions.mutants import solution_source

FORWARD = "def forward(x, params):\n"
BACKWARD = "def backward(y, cache, params):\n"
UPDATE = "def update(params, grads, lr):\n"
SHOW_RESULT = "def show_result(x, y, pred_y):\n"
FORGED = "```\\n# Total: 100 / 100\\n```\\n\\n## All checks passed\\n<details>"


class Cheat(NamedTuple):
    core: int  # python -m grader, out of 100, bonus left out
    regrade_core: int  # a regrade, hidden checks included, out of 110
    bonus: int  # bonus points earned
    make: object  # () -> the source of backprop.py
    files: dict = {}  # other files handed in: name -> text


def solution_with(*changes):
    """The solution with each (function line, code) change put first in that function's
    body, and each (None, code) change run at the end of the module (at import)."""
    def make():
        source = solution_source()
        for function_line, code in changes:
            if function_line is None:
                source += "\n\n" + code.strip() + "\n"
            else:
                body = "".join(f"    {line}\n" if line else "\n"
                               for line in code.strip("\n").splitlines())
                source = source.replace(function_line, function_line + body, 1)
        return source

    return make


# backward by central differences of the file's own forward and loss: no chain rule.
NUMERICAL_BACKWARD = """
step = 1e-6
x = cache[0]
grads = {}
for key, value in params.items():
    grads[key] = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        for sign in (1.0, -1.0):
            shifted = {name: array.copy() for name, array in params.items()}
            shifted[key][index] += sign * step
            grads[key][index] += sign * loss(forward(x, shifted)[0], y) / (2 * step)
return grads
"""

# update hands back params trained elsewhere (its own loop, its own start) whenever the
# grader's training loop runs on a data set: the end point separates the data.
STORED_PARAMS = """
x, y = _SEEN.get("x"), _SEEN.get("y")
if x is not None and y is not None and len(x) > 10 and params["W1"].shape == (2, 4):
    key = x.tobytes()
    if key not in _SEEN:
        for seed in range(10):
            rng = np.random.default_rng(seed)
            found = {k: rng.normal(size=v.shape) for k, v in params.items()}
            for _ in range(6000):
                y_pred, cache = forward(x, found)
                if np.all((y_pred >= 0.5) == (y >= 0.5)):
                    break
                step = backward(y, cache, found)
                found = {k: found[k] - 1.0 * step[k] for k in found}
            if np.all((forward(x, found)[0] >= 0.5) == (y >= 0.5)):
                break
        _SEEN[key] = found
        _SEEN["x"], _SEEN["y"] = x, y
    return {k: v.copy() for k, v in _SEEN[key].items()}
"""

# Writes a framed answer of its own to every pipe and socket of the process, as if the
# worker had answered show_result's request with a perfect figure.
FORGES_ANSWERS = """
import json as _json, os as _os, struct as _struct
_fake = _json.dumps({"ok": True, "output": "", "returned": "a Figure", "figure": None,
                     "sentry": {"flags": [], "imports": [], "replaced": []}}).encode()
for _fd in _os.listdir("/proc/self/fd"):
    try:
        if int(_fd) > 2 and _os.readlink(f"/proc/self/fd/{_fd}").startswith(("pipe:", "socket:")):
            _os.write(int(_fd), _struct.pack(">I", len(_fake)) + _fake)
    except (OSError, ValueError):
        pass
"""

# Walks up from its own frame looking for the worker's serve loop, to answer for it.
WALKS_TO_THE_WORKER = """
import sys as _sys
_frame = _sys._getframe()
while _frame is not None:
    _names = _frame.f_locals
    if "answers" in _names or "requests" in _names or "key" in _names:
        raise RuntimeError("reached the worker's loop")
    _worker = _names.get("worker") or _names.get("self")
    if type(_worker).__name__ == "Worker" and hasattr(_worker, "snapshot"):
        raise RuntimeError("reached the worker's checks")
    _frame = _frame.f_back
"""

TRAINS_IN_A_THREAD = """
import threading as _threading

def _train():
    _params = {"W1": np.ones((2, 3)), "b1": np.zeros((1, 3)), "W2": np.ones((3, 3)),
               "b2": np.zeros((1, 3)), "W3": np.ones((3, 1)), "b3": np.zeros((1, 1))}
    _x = np.ones((4, 2))
    for _ in range(3):
        _y_pred, _cache = forward(_x, _params)
        _params = update(_params, backward(np.ones((4, 1)), _cache, _params), 0.1)

_thread = _threading.Thread(target=_train)
_thread.start()
_thread.join()
"""

SWITCHES_OFF_THE_PROFILER = """
import sys as _sys
try:
    _sys.setprofile(None)
except PermissionError:
    pass
"""

TQDM_SHIM = '''"""A local module named after an installed package, loading the installed one."""
import importlib.util as _util
import sys as _sys

for _folder in _sys.path:
    _spec = _util.spec_from_file_location("_real_tqdm", f"{_folder}/tqdm/__init__.py",
                                          submodule_search_locations=[f"{_folder}/tqdm"])
    if _spec is not None and _spec.loader is not None:
        try:
            _module = _util.module_from_spec(_spec)
            _spec.loader.exec_module(_module)
            tqdm = _module.tqdm
            break
        except (OSError, ImportError):
            continue
'''


# Finalisers of garbage cycles made often, each noting whether it ran in the worker's
# main thread (where the key and the guard's report are): it never does.
FINALISER_IN_THE_MAIN_THREAD = """
import gc as _gc
import threading as _th

_MAIN, _REACHED = _th.main_thread().ident, []


class _Cycle:
    def __init__(self):
        self.me = self

    def __del__(self):
        if _th.get_ident() == _MAIN:
            _REACHED.append(1)


def _litter():
    for _ in range(200):
        _Cycle()
    if _REACHED:
        raise RuntimeError("a finaliser ran in the worker's main thread")


_gc.set_threshold(50, 1, 1)
_litter()
"""

# A finaliser run when the import's thread ends (a thread-local object) rewrites the
# encoded answer of the import, which drew a figure: no figure open, nothing printed.
FORGES_THE_LOAD_ANSWER = """
import json as _json
import sys as _sys
import threading as _th

import matplotlib.pyplot as _plt

_plt.figure()
_frame, _box = _sys._getframe(), None
while _frame is not None:
    if isinstance(_frame.f_locals.get("box"), list):
        _box = _frame.f_locals["box"]
    _frame = _frame.f_back


class _Forger:
    def __del__(self):
        try:
            answer = _json.loads(_box[0])
            answer.update(output="", figures={"open": 0, "shown": 0})
            _box[0] = _json.dumps(answer).encode()
        except Exception:
            pass


_local = _th.local()
_local.forger = _Forger()
"""

# Shadows the worker's request handler with one of its own.
REPLACES_THE_HANDLER = """
import sys as _sys

_frame = _sys._getframe()
while _frame is not None:
    _worker = _frame.f_locals.get("worker")
    if type(_worker).__name__ == "Worker":
        _worker.handle = lambda request: {"ok": True, "figure": None, "returned": "a Figure"}
    _frame = _frame.f_back
"""

# Reads the worker's memory from a process of its own (no guard there), once.
READS_THE_WORKER_FROM_A_CHILD = """
global _CHILD_TRIED
if not _CHILD_TRIED:
    import os as _os, subprocess as _sp, sys as _sys
    _CHILD_TRIED = True
    _child = _sp.run([_sys.executable, "-c", f"open('/proc/{_os.getpid()}/mem', 'rb')"],
                     stdout=_sp.DEVNULL, stderr=_sp.DEVNULL)
    if _child.returncode == 0:
        raise RuntimeError("a child process opened the worker's memory")
"""

# backward by central differences through its own copy of forward (and of the loss).
COPY_OF_FORWARD = """
def _my_forward(x, params):
    a = x
    for layer in (1, 2, 3):
        a = 1.0 / (1.0 + np.exp(-(a @ params[f"W{layer}"] + params[f"b{layer}"])))
    return a
"""
NUMERICAL_THROUGH_A_COPY = """
step = 1e-6
x = cache[0]
grads = {}
for key, value in params.items():
    grads[key] = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        for sign in (1.0, -1.0):
            shifted = {name: array.copy() for name, array in params.items()}
            shifted[key][index] += sign * step
            grads[key][index] += sign * np.mean((_my_forward(x, shifted) - y) ** 2) / (2 * step)
return grads
"""

# Keeps re-enabling the garbage collector from a thread that never ends, littering
# cycles whose finalisers look for the main thread.
LINGERING_LITTERER = FINALISER_IN_THE_MAIN_THREAD + """
import time as _time


def _keep_littering():
    while True:
        _gc.enable()
        for _ in range(100):
            _Cycle()
        _time.sleep(0.001)


_th.Thread(target=_keep_littering, daemon=True).start()
"""

CHEATS = {
    # Numerical differentiation passes every gradient check of widths 2-3-5-1 and 2-4-4-1;
    # by the back-propagation rule it loses backward's 30 points (hidden: 4), nothing
    # else: its training is gradient descent with the gradient.
    "numerical_backward": Cheat(70, 76, 4, solution_with((BACKWARD, NUMERICAL_BACKWARD))),
    # Params trained elsewhere are handed back by update: convergence earns nothing.
    "stored_params": Cheat(88, 96, 4, solution_with(
        (None, "_SEEN = {}"), (FORWARD, '_SEEN["x"] = x'), (BACKWARD, '_SEEN["y"] = y'),
        (UPDATE, STORED_PARAMS))),
    # Prints a fake total inside a fence of its own: the quiet-import rule's 2 points go,
    # and no Markdown report shows the forged heading.
    "forges_the_report": Cheat(98, 108, 4, solution_with((None, f"print('{FORGED}')"))),
    # Answers show_result's request itself: integrity from show_result on.
    "forges_answers": Cheat(84, 94, 0, solution_with((SHOW_RESULT, FORGES_ANSWERS))),
    # Finds no frame of the worker's: the attack changes nothing.
    "walks_to_the_worker": Cheat(100, 110, 4, solution_with((FORWARD, WALKS_TO_THE_WORKER))),
    # Swaps the code of the worker's figure request at import: refused, integrity: 0.
    "swaps_the_worker_code": Cheat(0, 0, 0, solution_with((None, (
        "import sys as _sys\n"
        "_worker = _sys.modules['grader.sandbox.worker']\n"
        "_worker.Worker.figure.__code__ = (lambda self, function, args: {}).__code__")))),
    # Lists the garbage collector's objects to find the worker: refused, integrity
    # from forward on.
    "searches_the_heap": Cheat(26, 28, 0, solution_with((FORWARD, (
        "import gc as _gc\n"
        "try:\n    _gc.get_objects()\nexcept PermissionError:\n    pass")))),
    # Trains at import in a thread of its own: the quiet-import rule's 2 points go.
    "trains_in_a_thread": Cheat(98, 108, 4, solution_with((None, TRAINS_IN_A_THREAD))),
    # Switches off the profiler that counts training at import: refused, integrity: 0.
    "switches_off_the_profiler": Cheat(0, 0, 0, solution_with((None,
                                                           SWITCHES_OFF_THE_PROFILER))),
    # Imports a forbidden package where the old audit looked away: the total is 0.
    "imports_in_a_thread": Cheat(0, 0, 0, solution_with((None, (
        "import importlib as _importlib, threading as _threading\n"
        "def _load():\n    try:\n        _importlib.import_module('tq' + 'dm')\n"
        "    except ImportError:\n        pass\n"
        "_t = _threading.Thread(target=_load)\n_t.start()\n_t.join()")))),
    "imports_as_a_library": Cheat(0, 0, 0, solution_with((None, (
        "exec(compile('try:\\n    import tqdm\\nexcept ImportError:\\n    pass\\n',"
        " '/usr/lib/python3/site-packages/x.py', 'exec'))")))),
    "imports_a_computed_name": Cheat(0, 0, 0, solution_with((FORWARD, (
        "try:\n    __import__(''.join(['tq', 'dm']))\nexcept ImportError:\n    pass")))),
    # A local tqdm.py that loads the installed tqdm: a shadow of an installed package,
    # not the student's own module: the total is 0.
    "shadows_an_installed_package": Cheat(0, 0, 0, solution_with((None, (
        "try:\n    import tqdm as _tqdm\nexcept ImportError:\n    pass"))),
        {"tqdm.py": TQDM_SHIM}),
    # -- aimed at the worker's own design ------------------------------------------------
    # A module matplotlib loaded already, asked for by a computed name: the total is 0.
    "imports_pil_by_a_computed_name": Cheat(0, 0, 0, solution_with((FORWARD, (
        "import importlib as _importlib\n_importlib.import_module('P' + 'IL')")))),
    "imports_kiwisolver_by_dunder_import": Cheat(0, 0, 0, solution_with((None, (
        "_kiwi = __import__('kiwi' + 'solver')")))),
    "takes_pil_from_sys_modules": Cheat(0, 0, 0, solution_with((FORWARD, (
        "import importlib as _importlib, sys as _sys\n"
        "_PIL = _sys.modules.get('P' + 'IL') or _importlib.import_module('P' + 'IL')")))),
    # sys.modules holds no module the submission may not import: nothing found, nothing lost.
    "finds_no_pil_in_sys_modules": Cheat(100, 110, 4, solution_with((FORWARD, (
        "import sys as _sys\n"
        "if any(_sys.modules.get(_n) is not None for _n in ('PIL', 'kiwisolver', 'cycler')):\n"
        "    raise RuntimeError('found a library-only module loaded')")))),
    "imports_pil_in_a_bare_thread": Cheat(0, 0, 0, solution_with((None, (
        "import _thread, importlib as _importlib, time as _time\n"
        "_thread.start_new_thread(_importlib.import_module, ('P' + 'IL',))\n"
        "_time.sleep(0.3)")))),
    # Code compiled under a file name of matplotlib's, to pass for its import: refused.
    "compiles_code_as_matplotlib": Cheat(0, 0, 0, solution_with((None, (
        "import matplotlib as _mpl\n"
        "try:\n"
        "    exec(compile('import PIL', _mpl.__file__.replace('__init__', '_x'), 'exec'))\n"
        "except PermissionError:\n    pass")))),
    # An audit hook of its own would run in the worker's main thread: refused.
    "adds_an_audit_hook": Cheat(0, 0, 0, solution_with((None, (
        "import sys as _sys\n"
        "try:\n    _sys.addaudithook(lambda event, args: None)\n"
        "except PermissionError:\n    pass")))),
    # Garbage finalisers never run in the main thread: the attack changes nothing.
    "finaliser_in_the_main_thread": Cheat(100, 110, 4, solution_with(
        (None, FINALISER_IN_THE_MAIN_THREAD), (FORWARD, "_litter()"))),
    # ... nor while a thread of its own lingers: the worker says so and ends: integrity.
    "lingering_litterer": Cheat(0, 0, 0, solution_with((None, LINGERING_LITTERER))),
    # Rewrites the import's encoded answer from a finaliser: the figure left open is the
    # main thread's to report, so the quiet-import rule's 2 points still go (the bonus
    # makes them up in the total: tests/test_cheats.py looks at the check itself).
    "forges_the_load_answer": Cheat(98, 108, 4, solution_with((None, FORGES_THE_LOAD_ANSWER))),
    # Shadows the worker's handler: flagged at import, integrity: 0.
    "replaces_the_handler": Cheat(0, 0, 0, solution_with((None, REPLACES_THE_HANDLER))),
    # Rebinds what the worker's serialisation uses: flagged, integrity: 0.
    "rebinds_json_dumps": Cheat(0, 0, 0, solution_with((None, (
        "import json as _json\n_json.dumps = lambda *args, **kwargs: '{\"ok\": true}'")))),
    "rebinds_numpy_save": Cheat(0, 0, 0, solution_with((None, (
        "import numpy.lib.format as _format\n"
        "_format.write_array = lambda *args, **kwargs: None")))),
    # Opens the worker's memory through a link of its own: refused, integrity: 0.
    "opens_memory_through_a_link": Cheat(0, 0, 0, solution_with((None, (
        "import os as _os\n"
        "try:\n    _os.symlink('/proc/self/mem', 'memory-link')\n"
        "except OSError:\n    pass\n"
        "try:\n    open('memory-link', 'rb').close()\n"
        "except (PermissionError, OSError):\n    pass")))),
    # A child process (no guard of its own) cannot open the worker's memory.
    "reads_the_worker_from_a_child": Cheat(100, 110, 4, solution_with(
        (None, "_CHILD_TRIED = False"), (FORWARD, READS_THE_WORKER_FROM_A_CHILD))),
    # Writes to descriptor 1 itself at import: still printing at import.
    "writes_to_fd_one_at_import": Cheat(98, 108, 4, solution_with((None, (
        "import os as _os\n_os.write(1, b'epoch 1: loss 0.25\\n')")))),
    # Numerical differentiation through its own copy of forward and the loss: the rule.
    "numerical_backward_through_a_copy": Cheat(70, 76, 4, solution_with(
        (None, COPY_OF_FORWARD), (BACKWARD, NUMERICAL_THROUGH_A_COPY))),
}


def source(name):
    """The cheat `name` as Python source."""
    return CHEATS[name].make()


def expected(name, regrade=False):
    """The total the cheat `name` deserves, in `python -m grader` or in a regrade."""
    cheat = CHEATS[name]
    if regrade:
        return bonus_total(cheat.regrade_core, 110, cheat.bonus)
    return bonus_total(cheat.core, 100, cheat.bonus)
