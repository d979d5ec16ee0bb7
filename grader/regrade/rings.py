"""From similar pairs to what a TA acts on: copy rings, one flag per row, similarity.md.

Pairs that share code join into clusters (any chain of similar pairs: a ring of three
copies is one cluster, not three pairs). A row of a pair is flagged "similar to <other>
(<evidence>)"; a row of a larger cluster "copy ring <k> with <the others> (<n>
submissions, strongest: <pair> <evidence>)", so a ring of ten gives each row one flag,
not nine. similarity.md lists each cluster with its pairs and their shared lines.
"""

from pathlib import Path

from grader.lab import SUBMISSION_FILE
from grader.regrade.similarity import (
    FUNCTION_THRESHOLD,
    INDEPENDENT_FILE,
    INDEPENDENT_FUNCTION,
    MIN_FUNCTION_FINGERPRINTS,
    THRESHOLD,
    ranges_text,
    similar_pairs,
    starter_sources,
)
from grader.results.markdown import code

SIMILARITY_FILE = "similarity.md"
FLAG = "similar to "
RING_FLAG = "copy ring "
# The course's own solution, compared with every submission like one more of them (a copy
# of it means it leaked); a name no submission's file or folder can take.
REFERENCE = "<the course's solution>"


def clusters(matches):
    """[(members sorted, [Match inside])] of the connected pairs, strongest first."""
    parent = {}

    def root(name):
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for match in matches:
        parent[root(match.a)] = root(match.b)
    groups = {}
    for match in matches:
        groups.setdefault(root(match.a), []).append(match)
    found = [(sorted({n for m in inside for n in (m.a, m.b)}),
              sorted(inside, key=lambda m: (-m.strength, m.a, m.b)))
             for inside in groups.values()]
    return sorted(found, key=lambda item: (-item[1][0].strength, item[0]))


def row_flags(found, codes):
    """{row name: its one similarity flag}; pairs of identical code are left to the
    "identical to" flag (said once)."""
    flags = {}
    for number, (members, inside) in enumerate(found, start=1):
        strongest = inside[0]
        if len(members) == 2:
            code_a, code_b = codes.get(strongest.a), codes.get(strongest.b)
            if code_a and code_a == code_b:
                continue
            flags[strongest.a] = f"{FLAG}{strongest.b} ({strongest.evidence(1)})"
            flags[strongest.b] = f"{FLAG}{strongest.a} ({strongest.evidence(1)})"
            continue
        for name in members:
            others = ", ".join(other for other in members if other != name)
            flags[name] = (f"{RING_FLAG}{number} with {others} ({len(members)} submissions, "
                           f"strongest: {strongest.a} and {strongest.b}, "
                           f"{strongest.evidence(1)})")
    return flags


def cell(name):
    """A submission's name as code in a heading, a sentence or a table's cell: however
    many backquotes it holds (grader.results.markdown.code), and a `|`, which ends a
    table's cell even inside code, escaped."""
    return code(name).replace("|", "\\|")


def similarity_markdown(found, threshold, function_threshold):
    lines = ["# Similar submissions", "",
             f"Pairs whose files share at least {threshold:.0%} of the smaller one's own code, "
             f"or one of whose functions (of {MIN_FUNCTION_FINGERPRINTS} fingerprints or more) "
             f"shares at least {function_threshold:.0%} with the function of the same name, "
             "compared by token fingerprints (identifiers, numbers and strings abstracted, so "
             "renaming and reformatting do not hide a copy; the code the course handed out "
             "set aside). Every submission with code is compared, whatever its grade. "
             f"Independent correct solutions measured share at most {INDEPENDENT_FILE:.0%} of "
             f"a file and {INDEPENDENT_FUNCTION:.0%} of a function "
             "(benchmarks/similarity_threshold.py). A match is for a human to judge: it "
             "deducts nothing.", ""]
    if not found:
        return "\n".join(lines + ["none"]) + "\n"
    for number, (members, inside) in enumerate(found, start=1):
        kind = "Pair" if len(members) == 2 else f"Copy ring {number}"
        lines += [f"## {kind}: {', '.join(cell(m) for m in members)}", "",
                  f"Strongest evidence: {cell(inside[0].a)} and {cell(inside[0].b)}, "
                  f"{inside[0].evidence()}.", "",
                  "| evidence | submission | its lines | submission | its lines |",
                  "|---|---|---|---|---|"]
        lines += [f"| {m.evidence()} | {cell(m.a)} | {ranges_text(m.lines_a)} | {cell(m.b)} | "
                  f"{ranges_text(m.lines_b)} |" for m in inside]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def flag_similar(sheet, out_dir, code_file, threshold=THRESHOLD, reference=None,
                 function_threshold=FUNCTION_THRESHOLD):
    """Compare the code graded for every row, and with the course's solution; flag the
    rows of each pair or ring, write out_dir/similarity.md and save the sheet. Returns
    the matches.

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
    matches = similar_pairs(sources, starter_sources(), threshold, function_threshold)
    found = clusters(matches)
    codes = {name: row.get("code") for name, row in sheet.rows.items()}
    flags = row_flags(found, codes)
    for name, row in sheet.rows.items():
        replace_flags(row, (FLAG, RING_FLAG), [flags[name]] if name in flags else [])
    (out_dir / SIMILARITY_FILE).write_text(
        similarity_markdown(found, threshold, function_threshold), encoding="utf-8")
    sheet.save()
    return matches
