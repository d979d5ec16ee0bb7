"""Copy detection that survives renaming: token fingerprints, winnowed as MOSS does,
compared per file and per function.

Each submission's code becomes a stream of normalised tokens (every identifier becomes
`V`, every number `N`, every string `S`; keywords and operators stay; comments, blank
lines and layout vanish), so renaming, reformatting and recommenting change nothing.
Hashes of every K consecutive tokens are winnowed (Schleimer, Wilkerson and Aiken 2003:
the minimum hash of each window of W hashes), which keeps a fingerprint of any match of
at least K + W - 1 tokens, in any order of the functions. Fingerprints that the
untouched starter also has (the given helpers, the stubs) are set aside first, so code
everyone received never makes two students look alike.

A copy of one function in an otherwise own file (only backward copied) is a small share
of the file: each top-level function is also compared with the function of the same
name in the other file, and a pair is flagged when the files, or any one function with
enough code of its own, share at least the threshold. The thresholds come from the
measured similarity of independent correct solutions
(benchmarks/similarity_threshold.py; README "Copy detection").
"""

import ast
import hashlib
import io
import json
import keyword
import re
import tokenize
from dataclasses import dataclass

from grader.lab import NOTEBOOK_FILE, SUBMISSION_FILE

K = 12  # tokens per k-gram: about one line of numpy
WINDOW = 6  # k-grams per winnowing window
# Share of the smaller submission's fingerprints found in the other, per file and per
# function. Measured by benchmarks/similarity_threshold.py on the 9 independent correct
# solutions (tests/submissions/correct and the reference, 36 pairs): files share at most
# INDEPENDENT_FILE, functions of 15 fingerprints or more INDEPENDENT_FUNCTION (a forward
# of textbook lines);
# disguised copies share 88 % to 100 %, a copied backward 100 % (its file 15 % to 41 %).
# The thresholds sit between, nearer the copies.
INDEPENDENT_FILE, INDEPENDENT_FUNCTION = 0.16, 0.56  # the measured maxima
THRESHOLD = 0.7
FUNCTION_THRESHOLD = 0.8
MIN_FINGERPRINTS = 15  # fewer (after the starter is set aside) is too little to judge
# A shorter function (sigmoid, update: a line or two everyone writes alike; independent
# ones of 8 to 14 fingerprints share up to 100 %) is no evidence by itself.
MIN_FUNCTION_FINGERPRINTS = 15

SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
           tokenize.ENCODING, tokenize.ENDMARKER}
STRING_TYPES = {tokenize.STRING} | {getattr(tokenize, name) for name in
                                    ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                                    if hasattr(tokenize, name)}


def normalised_tokens(source):
    """[(token, line)] of Python source with identifiers and literals abstracted.

    Source that does not tokenize (a syntax error) falls back to its words.
    """
    tokens = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in SKIPPED:
                continue
            if token.type == tokenize.NAME:
                text = token.string if keyword.iskeyword(token.string) else "V"
            elif token.type == tokenize.NUMBER:
                text = "N"
            elif token.type in STRING_TYPES:
                if tokens and tokens[-1][0] == "S":
                    continue  # an f-string's parts, or implicitly joined strings: one literal
                text = "S"
            else:
                text = token.string
            tokens.append((text, token.start[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = [(word, number) for number, line in enumerate(source.splitlines(), 1)
                  for word in line.split()]
    return tokens


def _hash(words):
    return int.from_bytes(hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest(),
                          "big")


def fingerprints(source, k=K, window=WINDOW):
    """{fingerprint hash: [(first line, last line)]} of the winnowed k-grams of source."""
    tokens = normalised_tokens(source)
    words = [text for text, _ in tokens]
    grams = [(_hash(words[i:i + k]), tokens[i][1], tokens[i + k - 1][1])
             for i in range(len(tokens) - k + 1)]
    chosen = {}
    for start in range(max(len(grams) - window + 1, 1 if grams else 0)):
        # The rightmost minimum of the window, as the paper does (fewer repeats).
        lowest = min(range(start, min(start + window, len(grams))),
                     key=lambda i: (grams[i][0], -i))
        chosen[lowest] = grams[lowest]
    found = {}
    for _, (digest, first, last) in sorted(chosen.items()):
        found.setdefault(digest, []).append((first, last))
    return found


def function_spans(source):
    """{name: (first line, last line)} of the top-level functions of source (a file that
    does not parse: from each `def` at the start of a line to the next)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        starts = [(m.group(1), source.count("\n", 0, m.start()) + 1)
                  for m in re.finditer(r"^def\s+(\w+)", source, re.M)]
        ends = [line - 1 for _, line in starts[1:]] + [source.count("\n") + 1]
        return {name: (first, last) for (name, first), last in zip(starts, ends)}
    return {node.name: (node.lineno, node.end_lineno) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


@dataclass(frozen=True)
class Own:
    """A submission's own fingerprints ({hash: [(first, last)]}), in all and per function."""

    prints: dict
    functions: dict

    @classmethod
    def of(cls, source, base):
        prints = {digest: lines for digest, lines in fingerprints(source).items()
                  if digest not in base}
        functions = {}
        for name, (first, last) in function_spans(source).items():
            inside = {digest: [r for r in lines if first <= r[0] <= last]
                      for digest, lines in prints.items()}
            inside = {digest: lines for digest, lines in inside.items() if lines}
            if len(inside) >= MIN_FUNCTION_FINGERPRINTS:
                functions[name] = inside
        return cls(prints, functions)


@dataclass(frozen=True)
class Match:
    """Two submissions sharing much of their own code.

    similarity: the share of the smaller one's fingerprints found in the other (0..1);
    lines_a, lines_b: merged line ranges [(first, last)] of the shared code in each;
    functions: ((name, similarity), ...) of the functions at or above the function
    threshold, the most similar first.
    """

    a: str
    b: str
    similarity: float
    lines_a: tuple
    lines_b: tuple
    functions: tuple = ()

    @property
    def strength(self):
        """The strongest evidence: the file's share or its most similar function's."""
        return max([self.similarity] + [share for _, share in self.functions])

    def evidence(self, functions=None):
        """"backward 100%, file 36%"-style text of the match: its functions at or above
        the threshold, the most similar first (at most `functions` of them), then the file."""
        parts = [f"{name} {share:.0%}" for name, share in self.functions[:functions]]
        return ", ".join(parts + [f"file {self.similarity:.0%}"])


def merge_ranges(ranges):
    """Sorted, merged [(first, last)] line ranges (touching ranges join)."""
    merged = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)


def share(a, b):
    """The share of the smaller fingerprint set found in the other."""
    return len(a.keys() & b.keys()) / min(len(a), len(b))


def compare(name_a, own_a, name_b, own_b):
    """The Match of two submissions' own code (whatever its similarity)."""
    shared = own_a.prints.keys() & own_b.prints.keys()
    functions = sorted(((name, round(share(own_a.functions[name], own_b.functions[name]), 3))
                        for name in own_a.functions.keys() & own_b.functions.keys()),
                       key=lambda item: (-item[1], item[0]))
    return Match(name_a, name_b, round(len(shared) / min(len(own_a.prints), len(own_b.prints)),
                                       3),
                 merge_ranges(r for digest in shared for r in own_a.prints[digest]),
                 merge_ranges(r for digest in shared for r in own_b.prints[digest]),
                 tuple(functions))


def all_pairs(sources, base_sources=()):
    """[Match] of every pair of submissions with enough own code (any similarity)."""
    base = set()
    for source in base_sources:
        base |= set(fingerprints(source))
    own = {name: Own.of(source, base) for name, source in sorted(sources.items())}
    own = {name: found for name, found in own.items() if len(found.prints) >= MIN_FINGERPRINTS}
    names = sorted(own)
    return [compare(a, own[a], b, own[b])
            for position, a in enumerate(names) for b in names[position + 1:]]


def similar_pairs(sources, base_sources=(), threshold=THRESHOLD,
                  function_threshold=FUNCTION_THRESHOLD):
    """[Match] of every pair of submissions whose files share at least threshold, or
    one of whose functions shares at least function_threshold; strongest first.

    Args:
        sources: {submission name: its code}.
        base_sources: code every student received (the starter); its fingerprints are
            set aside in every submission.
    """
    matches = []
    for match in all_pairs(sources, base_sources):
        functions = tuple(item for item in match.functions if item[1] >= function_threshold)
        if match.similarity >= threshold or functions:
            matches.append(Match(match.a, match.b, match.similarity, match.lines_a,
                                 match.lines_b, functions))
    return sorted(matches, key=lambda match: (-match.strength, match.a, match.b))


def ranges_text(ranges):
    return ", ".join(f"{first}" if first == last else f"{first}-{last}"
                     for first, last in ranges)


def starter_sources():
    """The code every student received: the starter's backprop.py and notebook cells."""
    from grader.paths import STARTER_DIR

    sources = []
    if (STARTER_DIR / SUBMISSION_FILE).is_file():
        sources.append((STARTER_DIR / SUBMISSION_FILE).read_text(encoding="utf-8"))
    notebook = STARTER_DIR / NOTEBOOK_FILE
    if notebook.is_file():
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        sources += ["".join(cell.get("source", "")) for cell in cells
                    if cell.get("cell_type") == "code"]
    return sources


