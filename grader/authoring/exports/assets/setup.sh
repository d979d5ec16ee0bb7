#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
cd "$root/source"
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
if ! command -v bwrap >/dev/null; then
  { apt-get update && apt-get install -y bubblewrap; } || true  # the sandbox; warns if missing
fi
python3 -m venv .venv
# requirements.lock pins every supported CPython (3.10 to 3.13).
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e .
# Student code runs as an unprivileged user (the grader switches to `nobody`): it may read
# the grader and its libraries, never the stored reference values, and write none of it.
chmod -R go-w "$root/source"
chmod go-rwx grader/reference_values.npz
if [ -f "$root/run_autograder" ]; then chmod go-w "$root/run_autograder"; fi
