"""Hostile submissions: the reference solution with one attack on the grader added.

Each entry is (attacked checks, transformation of the solution's source). The attacks
are the ones a regrade must survive without a grade changing, a batch stopping or a
row going missing. `source(name, marker)` builds one; `marker` is a file path the
detached-child attack writes its process id into, so a test can check it is gone.
"""

from tests.submissions.mutants import solution_source

IMPORTS = "import numpy as np\n"
FORWARD = "def forward(x, params):\n"
BACKWARD = "def backward(y, cache, params):\n"


def at_import(code):
    """Run code at the end of the module (at import time)."""
    return lambda source: source + "\n\n" + code.strip() + "\n"


def at_top_of(function_line, code):
    """Run code first thing in a function (indented under its def line)."""
    body = "".join(f"    {line}\n" for line in code.strip().splitlines())
    return lambda source: source.replace(function_line, function_line + body, 1)


ATTACKS = {
    # Graded without the loop or the exit (grader.session.fallback): the quiet-import rule's
    # 2 points lost.
    "loop_at_import": ("quiet_import", at_import("while True:\n    pass")),
    "loop_in_forward": ("forward", at_top_of(FORWARD, "while True:\n    pass")),
    # (A worker runs student code outside its main thread, where signal handlers cannot
    # be installed: the attempt fails, and the loop is ended all the same.)
    "ignores_sigterm": ("forward", at_top_of(FORWARD, (
        "import signal\ntry:\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    signal.signal(signal.SIGINT, signal.SIG_IGN)\nexcept ValueError:\n    pass\n"
        "while True:\n    pass"))),
    "exit_at_import": ("quiet_import", at_import("import sys\nsys.exit(0)")),
    "os_exit_in_backward": ("backward", at_top_of(BACKWARD, "import os\nos._exit(0)")),
    "keyboard_interrupt_in_forward": ("forward", at_top_of(FORWARD, "raise KeyboardInterrupt")),
    "numpy_monkeypatched": ("forward", lambda source: at_import(
        "np.allclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)")(source).replace(
        FORWARD, FORWARD + "    return np.zeros((len(x), 1)) + 0.5, [x]\n", 1)),
    "ndarray_always_equal": ("forward", lambda source: source.replace(FORWARD, (
        "class Agreeable(np.ndarray):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n"
        "    def __array_finalize__(self, obj):\n        pass\n\n\n"
        + FORWARD + "    return np.full((len(x), 1), 0.5).view(Agreeable), [x]\n"), 1)),
    "fake_results_at_import": ("nothing", at_import(
        "import json, os, pathlib\n"
        "fake = {'score': 100, 'tests': []}\n"
        "for folder in ('.', '..', '../..', 'grading-output', '../grading-output'):\n"
        "    try:\n"
        "        pathlib.Path(folder).mkdir(exist_ok=True)\n"
        "        (pathlib.Path(folder) / 'results.json').write_text(json.dumps(fake))\n"
        "        (pathlib.Path(folder) / 'grades.csv').write_text('submission,score\\n')\n"
        "    except OSError:\n"
        "        pass")),
    "prints_fake_scores": ("forward", at_top_of(FORWARD, (
        "print('Total: 100 / 100')\nprint('{\"score\": 100}')\n"
        "return np.zeros((len(x), 1)), [x]"))),
    # np.empty: the address space runs out at once, however busy the machine (filling
    # 1 GB first could outlast the hostile class's --timeout 3 under load).
    "memory_bomb_in_forward": ("forward", at_top_of(FORWARD, (
        "hoard = [np.empty((4096, 4096)) for _ in range(1000)]"))),
    "detached_child_at_import": ("nothing", at_import(
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        try:  # a sandboxed worker cannot write outside its folder\n"
        "            with open(MARKER, 'w') as stream:\n"
        "                stream.write(str(os.getpid()))\n"
        "        except OSError:\n"
        "            pass\n"
        "        time.sleep(600)\n"
        "    os._exit(0)\n"
        "time.sleep(0.2)")),
}


def source(name, marker="/dev/null"):
    """The hostile submission `name` as Python source."""
    _, transform = ATTACKS[name]
    return transform(solution_source()).replace("MARKER", repr(str(marker)))
