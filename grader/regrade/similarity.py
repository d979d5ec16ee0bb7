"""Copy detection that survives renaming: token fingerprints, winnowed as MOSS does.

Each submission's code becomes a stream of normalised tokens (every identifier becomes
`V`, every number `N`, every string `S`; keywords and operators stay; comments, blank
lines and layout vanish), so renaming, reformatting and recommenting change nothing.
Hashes of every K consecutive tokens are winnowed (Schleimer, Wilkerson and Aiken 2003:
the minimum hash of each window of W hashes), which keeps a fingerprint of any match of
at least K + W - 1 tokens, in any order of the functions. Fingerprints that the
untouched starter also has (the given helpers, the stubs) are set aside first, so code
everyone received never makes two students look alike.
"""

import hashlib
import io
import json
import keyword
import tokenize
from dataclasses import dataclass
from pathlib import Path

from grader.lab import NOTEBOOK_FILE, SUBMISSION_FILE

K = 12  # tokens per k-gram: about one line of numpy
WINDOW = 6  # k-grams per winnowing window
THRESHOLD = 0.6  # share of the smaller submission's fingerprints found in the other
MIN_FINGERPRINTS = 15  # fewer (after the starter is set aside) is too little to judge

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


@dataclass(frozen=True)
class Match:
    """Two submissions sharing much of their own code.

    similarity: the share of the smaller one's fingerprints found in the other (0..1);
    lines_a, lines_b: merged line ranges [(first, last)] of the shared code in each.
    """

    a: str
    b: str
    similarity: float
    lines_a: tuple
    lines_b: tuple


def merge_ranges(ranges):
    """Sorted, merged [(first, last)] line ranges (touching ranges join)."""
    merged = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)


def similar_pairs(sources, base_sources=(), threshold=THRESHOLD):
    """[Match] of every pair of submissions at or above threshold, most similar first.

    Args:
        sources: {submission name: its code}.
        base_sources: code every student received (the starter); its fingerprints are
            set aside in every submission.
    """
    base = set()
    for source in base_sources:
        base |= set(fingerprints(source))
    prints = {}
    for name, source in sorted(sources.items()):
        own = {digest: lines for digest, lines in fingerprints(source).items()
               if digest not in base}
        if len(own) >= MIN_FINGERPRINTS:
            prints[name] = own
    names = sorted(prints)
    matches = []
    for position, a in enumerate(names):
        for b in names[position + 1:]:
            shared = prints[a].keys() & prints[b].keys()
            similarity = len(shared) / min(len(prints[a]), len(prints[b]))
            if similarity >= threshold:
                matches.append(Match(
                    a, b, round(similarity, 3),
                    merge_ranges(r for digest in shared for r in prints[a][digest]),
                    merge_ranges(r for digest in shared for r in prints[b][digest])))
    return sorted(matches, key=lambda match: (-match.similarity, match.a, match.b))


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


SIMILARITY_FILE = "similarity.md"
FLAG = "similar to "
# The course's own solution, compared with every submission like one more of them (a copy
# of it means it leaked); a name no submission's file or folder can take.
REFERENCE = "<the course's solution>"


def similarity_markdown(matches, threshold):
    lines = ["# Similar submissions", "",
             f"Pairs sharing at least {threshold:.0%} of the smaller one's own code, compared "
             "by token fingerprints (identifiers, numbers and strings abstracted, so renaming "
             "and reformatting do not hide a copy; the starter's code set aside). A match is "
             "for a human to judge: it deducts nothing.", ""]
    if not matches:
        return "\n".join(lines + ["none"]) + "\n"
    lines += ["| similarity | submission | its lines | submission | its lines |",
              "|---|---|---|---|---|"]
    lines += [f"| {m.similarity:.0%} | `{m.a}` | {ranges_text(m.lines_a)} | `{m.b}` | "
              f"{ranges_text(m.lines_b)} |" for m in matches]
    return "\n".join(lines) + "\n"


def flag_similar(sheet, out_dir, code_file, threshold=THRESHOLD, reference=None):
    """Compare the code graded for every row, and with the course's solution, flag both
    rows of each similar pair (one row for a copy of the solution), write
    out_dir/similarity.md and save the sheet. Returns the matches.

    reference: the solution's file (default solution/backprop.py where this copy has it).
    """
    from grader.paths import SOLUTION_DIR
    from grader.regrade.sheet import replace_flags

    out_dir = Path(out_dir)
    sources = {}
    for name in sheet.rows:
        path = out_dir / name / code_file
        if path.is_file():
            sources[name] = path.read_text(encoding="utf-8", errors="replace")
    reference = Path(reference) if reference else SOLUTION_DIR / SUBMISSION_FILE
    if sources and reference.is_file():
        sources[REFERENCE] = reference.read_text(encoding="utf-8", errors="replace")
    matches = similar_pairs(sources, starter_sources(), threshold)
    found = {}
    for match in matches:
        code_a, code_b = (sheet.rows.get(name, {}).get("code") for name in (match.a, match.b))
        if code_a and code_a == code_b:
            continue  # flagged "identical to" already (flag_duplicates): said once
        found.setdefault(match.a, []).append(f"{FLAG}{match.b} ({match.similarity:.0%})")
        found.setdefault(match.b, []).append(f"{FLAG}{match.a} ({match.similarity:.0%})")
    for name, row in sheet.rows.items():
        replace_flags(row, (FLAG,), found.get(name, []))
    (out_dir / SIMILARITY_FILE).write_text(similarity_markdown(matches, threshold),
                                           encoding="utf-8")
    sheet.save()
    return matches
