"""The lab's facts, written once: every other module imports them from here.

Floor 0 of the grader (with paths.py and options.py): imports nothing of the grader.
"""

# The functions of the contract a submission writes, in the order they are graded.
CONTRACT_FUNCTIONS = ("sigmoid", "derivative_sigmoid", "loss", "derivative_loss", "forward",
                      "backward", "update", "show_result", "show_learning_curve")
# The lab's extras, worth points on top of the total when a submission writes them.
BONUS_FUNCTIONS = ("tanh", "relu", "momentum_update", "adam_update")
# Each contract function's signature, as the contract writes it (named in hints).
SIGNATURES = {"sigmoid": "sigmoid(x)", "derivative_sigmoid": "derivative_sigmoid(y)",
              "loss": "loss(y_pred, y)", "derivative_loss": "derivative_loss(y_pred, y)",
              "forward": "forward(x, params)", "backward": "backward(y, cache, params)",
              "update": "update(params, grads, lr)",
              "show_result": "show_result(x, y, pred_y)",
              "show_learning_curve": "show_learning_curve(losses)"}
# The plotting functions: a grade saves each one's figure as <name>.png in its out folder.
PLOTS = CONTRACT_FUNCTIONS[7:]
RULES, CONVERGENCE, REPORT = "rules", "convergence", "report"
# Every check group in the order checks run and are reported: a check's group is set on
# its @check marker and must be one of these.
GROUPS = (RULES, *CONTRACT_FUNCTIONS[:7], CONVERGENCE, *PLOTS,
          *BONUS_FUNCTIONS, REPORT)
# What the grader's training loop calls, and counts at import (training at import).
TRAINING_FUNCTIONS = ("forward", "backward", "update")

# params and grads: {"W1": (2, h1), "b1": (1, h1), ..., "b3": (1, 1)}.
LAYER_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
LAYERS = tuple(zip(LAYER_KEYS[0::2], LAYER_KEYS[1::2]))  # (weight, bias) of layers 1..3

# The values of a submission's LOSS; the first is the default when LOSS is missing.
LOSSES = ("mse", "bce")
DEFAULT_LOSS = LOSSES[0]

SUBMISSION_FILE = "backprop.py"
NOTEBOOK_FILE = "lab1.ipynb"
# The fixed data sets in datasets/ (<name>.csv).
DATASETS = ("linear", "xor_easy")

TOTAL = 100  # points of the graded functions; bonus points come on top
# What each bonus function's check is worth (not part of TOTAL).
BONUS_POINTS = dict.fromkeys(BONUS_FUNCTIONS, 1)
# How bonus points count, in every output (the terminal, results.json, Classroom's
# notices, Gradescope, Classroom 50, the grade-book exports):
# - "cap": they make up points lost elsewhere, up to the maximum: a total never exceeds it;
# - "extra": they count on top of the maximum (up to TOTAL + the bonus points); a target
#   that cannot hold a score above its maximum gets the maximum raised for everyone
#   (Classroom 50) or refuses with the reason (a Moodle grade item at TOTAL).
BONUS_POLICIES = ("cap", "extra")
BONUS = "cap"
DEFAULT_TIMEOUT = 10.0  # seconds one call into a submission may take
# Address space of a submission's process, the same for a student's grade and a TA's
# regrade, so a submission that runs out of memory does so in both. 1024 MB is over
# five times the address space a worker maps while drawing the figures (about 180 MB).
DEFAULT_MEMORY_MB = 1024
HIDDEN_SEED = 7919  # seed of the hidden checks' fresh inputs (change it each term)

# The given code a notebook handed in without backprop.py imports from (the starter's
# backprop.py: its helpers, and stubs of the graded functions), as (where it is in this
# repository, where the exports, which have no starter/, ship it in the grader).
GIVEN_CODE = ("starter/backprop.py", "grader/given/backprop.py")
# What a built package (`pip install .`, a wheel, an sdist) carries of this repository in
# grader/packaged/ (setup.py copies each one that exists: the template has no solution/, no
# starter/ and no course marker, and stored reference values instead).
PACKAGED_FILES = ("datasets", GIVEN_CODE[0], "solution/backprop.py", ".course-repository")
# What the student template ships of this repository, as (source, destination) paths
# relative to the repository and to the template. The Gradescope autograder ships
# GRADER_FILES only.
GRADER_FILES = (("grader", "grader"), ("datasets", "datasets"),
                ("pyproject.toml", "pyproject.toml"), ("requirements.lock", "requirements.lock"),
                ("setup.py", "setup.py"), ("MANIFEST.in", "MANIFEST.in"), GIVEN_CODE)
STUDENT_FILES = ((GIVEN_CODE[0], SUBMISSION_FILE), ("starter/lab1.ipynb", NOTEBOOK_FILE),
                 (".github/workflows/classroom.yml", ".github/workflows/classroom.yml"))
# Shipped files a student has no reason to change: integrity flags a copy that differs.
PROTECTED_FILES = ("grader", "datasets", ".github/workflows/classroom.yml")
# Left out of what is shipped and compared: caches, the stored reference values and their
# digest (written at export), the hidden checks (they stay with the course staff), and
# what a built package carries (the solution among it).
NOT_SHIPPED = ("__pycache__", "*.pyc", "reference_values.npz", "reference_values.sha256",
               "hidden", "packaged")
