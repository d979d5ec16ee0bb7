"""Copies as a student disguises them: names changed, functions reordered, layout and
comments changed. Used by the copy-detection tests and benchmarks/similarity_threshold.py."""

import io
import re
import tokenize


def renamed(source):
    """Every name the code assigns or takes as a parameter renamed (strings untouched)."""
    targets = re.findall(r"^\s*([a-z_]\w*(?:\s*,\s*[a-z_]\w*)*)\s*=[^=]", source, re.M)
    names = {name.strip() for target in targets for name in target.split(",")}
    names -= set(re.findall(r"[(,]\s*([a-z_]\w*)\s*=[^=]", source))  # keyword arguments
    names |= {n.split("=")[0].strip() for args in re.findall(r"def \w+\(([^)]*)\)", source)
              for n in args.split(",") if n.strip()}
    new_names = {name: f"my_value_{number}" for number, name in enumerate(sorted(names))}
    tokens = [(token.type, new_names.get(token.string, token.string)
               if token.type == tokenize.NAME else token.string)
              for token in tokenize.generate_tokens(io.StringIO(source).readline)]
    return tokenize.untokenize(tokens)


def reordered(source):
    """The top-level functions in reverse order."""
    head, *functions = re.split(r"\n(?=def )", source)
    return "\n".join([head, *reversed(functions)])


def reformatted(source):
    """Two-space indents, comments and blank lines added, spaces inside brackets."""
    lines = []
    for line in source.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        lines.append(" " * (indent // 2) + line.lstrip(" ").replace("(", "( "))
        if line.startswith("def "):
            lines.append("  # my own work")
    return "\n\n".join(lines) + "\n"


def disguised(source):
    return reformatted(reordered(renamed(source)))
