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
