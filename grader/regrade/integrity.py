"""Integrity flags, for a human to review (they deduct nothing by themselves).

- grader, test or workflow files in a student's repository that differ from the
  pristine ones (by SHA-256), or checks added next to them;
- forbidden imports (from the rules check);
- a backprop.py identical to another submission's, or to the untouched starter, once
  whitespace and comments are set aside (copies disguised further, by renaming or
  reordering, are found by grader/regrade/similarity.py).
"""

import fnmatch
import hashlib
import io
import os
import tokenize
from pathlib import Path

from grader.lab import NOT_SHIPPED, PROTECTED_FILES, SUBMISSION_FILE
from grader.paths import REPO_ROOT, STARTER_DIR

IGNORED_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                  tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pristine_hashes(root=REPO_ROOT):
    """{relative path: sha256} of every file students receive with the template."""
    hashes = {}
    for tree in PROTECTED_FILES:
        top = root / tree
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            relative = path.relative_to(root)
            if not any(fnmatch.fnmatch(part, pattern)
                       for part in relative.parts for pattern in NOT_SHIPPED):
                hashes[relative.as_posix()] = _digest(path)
    return hashes


def tampered_files(repository, pristine):
    """Flags for template files a repository changed, and checks it added."""
    repository = Path(repository)
    flags = []
    inside = os.path.realpath(repository)
    for relative, digest in pristine.items():
        path = repository / relative
        if not os.path.realpath(path).startswith(inside + os.sep):
            if os.path.lexists(path):  # a link out of the hand-in: never read
                flags.append(f"modified {relative} (a link out of the submission)")
        elif path.is_file() and _digest(path) != digest:
            flags.append(f"modified {relative}")
    checks = repository / "grader" / "checks"
    if checks.is_dir():
        for path in sorted(checks.glob("*.py")):
            relative = path.relative_to(repository).as_posix()
            if relative not in pristine:
                flags.append(f"added {relative}")
    return flags


def normalised_digest(source):
    """Digest of Python source with whitespace, comments and blank lines set aside."""
    try:
        tokens = [token.string for token in tokenize.generate_tokens(io.StringIO(source).readline)
                  if token.type not in IGNORED_TOKENS]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = source.split()
    return hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()[:16]


def starter_digest():
    return normalised_digest((STARTER_DIR / SUBMISSION_FILE).read_text(encoding="utf-8"))


def duplicates(digests):
    """{name: flag} for submissions sharing a normalised digest with another, or the starter.

    Args:
        digests: {submission name: normalised digest of its backprop.py}.
    """
    starter = starter_digest()
    by_digest = {}
    for name, digest in sorted(digests.items()):
        by_digest.setdefault(digest, []).append(name)
    flags = {}
    for digest, names in by_digest.items():
        for name in names:
            if digest == starter:
                flags[name] = "identical to the starter"
            elif len(names) > 1:
                others = ", ".join(other for other in names if other != name)
                flags[name] = f"identical to {others}"
    return flags
