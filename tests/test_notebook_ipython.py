"""Notebook cells read as IPython reads them (grader/intake/cells.py): shell assignments,
magics, help and escaped calls are no syntax errors, with IPython installed and without it;
what IPython cannot run either is still a syntax error, with its line."""

import shutil
import sys

import nbformat
import pytest

from grader.grade import grade
from grader.intake import cells
from grader.intake.cells import read_cell
from grader.intake.notebook import assemble
from grader.paths import SOLUTION_DIR
from tests.grading import by_name, solution_source
from tests.submissions.mutants import MUTANTS, apply

# What notebooks hold, and the corners of IPython's syntax: each is transformed by the
# fallback exactly as by IPython's own transformer.
IPYTHON_CELLS = [
    "files = !ls\nprint(files)", "x=!ls", "d['a'] = !ls", "a, b = !echo 1 2", "!!ls -la",
    "%matplotlib inline\nimport numpy as np", "x = %timeit f()", "x = y = %pwd",
    "t = %timeit -o -q sum(range(10))", "%time x = \\\n  1 + 2\ny = 3",
    "%load_ext autoreload\n%autoreload 2", "%pip install -q numpy matplotlib",
    "%cd ..\nfrom backprop import *", "print(1)\n%%time\nx=1", "%time?",
    "np.mean?", "?np.mean", "np.mean??", "??np.mean", "obj.attr?\nx=1", "help?", "np.*mean*?",
    "!pip install numpy", "  !ls", "!pip install -r requirements.txt && echo ok",
    ",print a b", ";print a b", "/print 1 2",
    "def h():\n    x = !ls\n    return x", "if True:\n    %time f()\n", "if a == 1:\n    !ls\n",
    "x = 1 # %bad\n!ls", "a = '''\n!ls\n'''", "s = 'it''s'\n!echo don't\nprint(1)",
    "def f():\n    '''doc\n    !not a command\n    '''\n    return 1\n!ls",
    "x = 10 % 3\n!ls", "x += 1\n!ls", "x = (1,\n!ls)", "print('a?')\n%pwd", "# comment?\n!ls",
    "x = [1,\n  2]\n?x", ">>> x = 1\n>>> print(x)", "In [1]: x = 1\n   ...: y = 2",
    "   x = 1\n   !ls",
    "%matplotlib inline\nimport matplotlib.pyplot as plt\n\ndef f(x):\n    return x?\n",
    "%%time?", "%%writefile?", "x = 1\r\n!ls\r\n", "for i in range(3):\n    !echo {i}\n",
    "%env MPLBACKEND=Agg", "!ls \\\n -la", "print(x)?", "a.b[0]?", "x = 1;  !ls", "x?? ",
    "class A:\n    %time pass\n", "f'{x}'\n!ls", "s = \"\"\"a\n%b\n\"\"\"\n%c",
    "x = 'a\\\n!b'\n!c", "!", "%", "?",
]


@pytest.mark.parametrize("cell", IPYTHON_CELLS)
def test_the_fallback_transforms_a_cell_as_ipython_does(cell):
    inputtransformer2 = pytest.importorskip("IPython.core.inputtransformer2")
    assert cells.transform_cell(cell) == inputtransformer2.TransformerManager().transform_cell(cell)


@pytest.fixture(params=["installed", "missing"])
def ipython(request, monkeypatch):
    """Each test twice: with IPython's transformer, and with IPython made unavailable (an
    import of it fails, as where it is not installed), so that the fallback reads the cells.
    Yields the list of cells the fallback transformed."""
    used = []
    fallback = cells.transform_cell
    monkeypatch.setattr(cells, "transform_cell", lambda code: used.append(code) or fallback(code))
    if request.param == "installed":
        pytest.importorskip("IPython.core.inputtransformer2")
    else:
        for name in [name for name in sys.modules if name.split(".")[0] == "IPython"]:
            monkeypatch.setitem(sys.modules, name, None)
        monkeypatch.setitem(sys.modules, "IPython", None)
    yield request.param, used


def test_ipython_made_unavailable_leaves_the_cells_to_the_fallback(ipython):
    mode, used = ipython
    assert read_cell("files = !ls").code == "files = get_ipython().getoutput('ls')\n"
    assert used == ([] if mode == "installed" else ["files = !ls"])


def test_a_plain_python_cell_is_read_as_it_is(ipython):
    _, used = ipython
    code = "import numpy as np\n\n\ndef f(x):\n    return np.mean(x)\n"
    assert read_cell(code).code == code and not used


@pytest.mark.parametrize(("text", "code", "first_line"), [
    ("%%time\ndef f():\n    return 1\n", "def f():\n    return 1\n", 2),
    ("\n\n%%capture out\nx = !ls\ndef g(): pass", "x = get_ipython().getoutput('ls')\n"
                                                 "def g(): pass\n", 4),
    ("%%time\n%%capture\n!ls\ndef g(): pass", "get_ipython().system('ls')\ndef g(): pass\n", 3),
])
def test_a_cell_magic_that_runs_python_is_its_body(ipython, text, code, first_line):
    read = read_cell(text)
    assert (read.code, read.first_line) == (code, first_line)


@pytest.mark.parametrize("magic", ["%%bash", "%%html", "%%timeit", "%%script python3",
                                   "%%javascript", "%%sh"])
def test_a_cell_magic_that_runs_no_python_in_the_kernel_is_no_code(ipython, magic):
    read = read_cell(f"{magic}\ndef sigmoid(x):\n    return x\n")
    assert read.code is None and read.written is None and read.magic == magic[2:].split()[0]


def test_writefile_keeps_what_it_writes(ipython):
    assert read_cell("%%writefile backprop.py\nimport numpy as np\n").written == (
        "backprop.py", "import numpy as np\n", False)
    assert read_cell("%%writefile -a 'backprop.py'\nLOSS = 'mse'\n").written == (
        "backprop.py", "LOSS = 'mse'\n", True)
    assert read_cell("%%writefile -a backprop.py\nx = 1").code is None


def notebook(*sources):
    made = nbformat.v4.new_notebook()
    made.cells = [nbformat.v4.new_code_cell(source, execution_count=count)
                  for count, source in enumerate(sources, start=1)]
    return made


def assembled(tmp_path, *sources):
    path = tmp_path / "lab1.ipynb"
    nbformat.write(notebook(*sources), str(path))
    return assemble(path)


def test_the_calls_of_magics_and_shell_lines_never_run_but_the_functions_are_kept(
        ipython, tmp_path):
    result = assembled(tmp_path, "import numpy as np\nFILES = !ls\n%matplotlib inline\n"
                                 "np.mean?\nTIMING = %timeit -o np.zeros(3)\n\n\n"
                                 "def listing():\n    found = !ls\n    return found\n",
                       "%%time\n!pip install numpy\n\n\ndef sigmoid(x):\n    return x\n")
    assert "get_ipython" not in result.source.replace("found = get_ipython()", "")
    assert "def listing():" in result.source and "def sigmoid(x):" in result.source
    assert "FILES" not in result.source and "TIMING" not in result.source
    assert result.cells == {"listing": "In [1]", "sigmoid": "In [2]"} and not result.skipped


@pytest.mark.parametrize(("cell", "line"), [
    ("files = !ls\n\ndef forward(x, params)\n    return x\n", 3),
    ("\n%%time\n!ls\ndef forward(x, params)\n    return x\n", 4),
    ("%matplotlib inline\ndef forward(x, params):\n    return x)\n", 3),
])
def test_a_cell_ipython_cannot_run_is_still_a_syntax_error_on_its_line(ipython, tmp_path,
                                                                       cell, line):
    result = assembled(tmp_path, "def sigmoid(x):\n    return x", cell)
    assert "forward" not in result.cells and result.cells == {"sigmoid": "In [1]"}
    assert result.skipped[0].startswith(f"In [2] has a syntax error on its line {line} (")
    assert result.broken["forward"].startswith(f"its cell In [2] has a syntax error on line {line}")


# Cells a student adds to the reference notebook, each read as IPython reads it.
EXTRA_CELLS = ["files = !ls\nprint(files)", "%matplotlib inline\n!pip install numpy",
               "np.mean?\nx = %timeit -o -q np.zeros(3)", "%%capture output\n!ls",
               "%%bash\necho 'def forward(x, params): return None'"]


def test_the_reference_notebook_with_ipython_cells_scores_full_marks(ipython, tmp_path):
    mode, used = ipython
    shutil.copytree(SOLUTION_DIR, tmp_path / "s", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "s" / "lab1.ipynb"
    made = nbformat.read(str(path), as_version=4)
    made.cells[1:1] = [nbformat.v4.new_code_cell(source) for source in EXTRA_CELLS]
    nbformat.write(made, str(path))
    results = grade(path, out_dir=tmp_path / "out")
    assert [(c.name, c.output) for c in results.checks if not c.passed] == []
    assert results.core == 100 and results.bonus > 0
    assert bool(used) == (mode == "missing")


def test_a_syntax_error_beside_ipython_syntax_costs_its_functions_only(ipython, tmp_path):
    source = solution_source().replace("def forward(x, params):", "files = !ls\n\n"
                                       "def forward(x, params)", 1)
    path = tmp_path / "s" / "lab1.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook("%matplotlib inline", source), str(path))
    results = grade(path, out_dir=tmp_path / "out")
    line = source.splitlines().index("def forward(x, params)") + 1
    forward = [c for c in results.checks if c.group == "forward"]
    assert forward and all(f"its cell In [2] has a syntax error on line {line}" in c.output
                           for c in forward)
    assert results.core < 100


def written_notebook(backprop_source):
    return notebook(f"%%writefile backprop.py\n{backprop_source}",
                    "files = !ls\nfrom backprop import *",
                    "x, y = generate_XOR_easy()\nparams, losses = train(x, y, init_params())")


def test_a_notebook_alone_is_graded_with_the_backprop_py_it_writes(tmp_path):
    path = tmp_path / "s" / "lab1.ipynb"
    path.parent.mkdir()
    nbformat.write(written_notebook(solution_source()), str(path))
    results = grade(path, out_dir=tmp_path / "out")
    assert results.core == 100
    assert "the backprop.py its %%writefile cell writes" in results.graded


def test_the_backprop_py_a_notebook_writes_is_graded_for_its_bugs_and_rules(tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "backward_sign_flipped")
    path = tmp_path / "bug" / "lab1.ipynb"
    path.parent.mkdir()
    nbformat.write(written_notebook(apply(mutant, solution_source())), str(path))
    results = grade(path, out_dir=tmp_path / "out-bug")
    assert not all(c.passed for c in results.checks if c.group == "backward")
    assert 0 < results.core < 100
    forbidden = tmp_path / "torch" / "lab1.ipynb"
    forbidden.parent.mkdir()
    nbformat.write(written_notebook("import torch\n" + solution_source()), str(forbidden))
    results = grade(forbidden, out_dir=tmp_path / "out-torch")
    rule = by_name(results)["rules: imports only numpy, matplotlib and the standard library"]
    assert results.score == 0 and "torch" in rule.output
    assert "%%writefile backprop.py" in rule.output
