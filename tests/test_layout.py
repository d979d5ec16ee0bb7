"""The grader's layout: every module imports only from the floors below its own
(grader/__init__.py lists them), so there are no import cycles between its parts."""

import ast

import pytest

from grader.paths import GRADER_DIR

# Floor of each part; a part may import its own modules and those of lower floors only.
FLOORS = {
    "lab": 0, "paths": 0, "options": 1,
    "sandbox": 2, "intake": 2,
    "session": 3, "checks": 4, "hidden": 4,
    "results": 5,
    "grade": 6,
    "regrade": 7, "authoring": 7,
    "cli": 8, "inline": 8, "__main__": 9,
}
MODULES = sorted(path for path in GRADER_DIR.rglob("*.py") if path != GRADER_DIR / "__init__.py")


def part_of(path):
    relative = path.relative_to(GRADER_DIR)
    return relative.parts[0].removesuffix(".py")


def imported_parts(path):
    """(part, line) of every grader module the file imports, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ([f"{node.module}.{a.name}" for a in node.names]
                                     if node.module == "grader" else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "grader" and len(parts) > 1:
                yield parts[1], node.lineno


def test_every_part_has_a_floor():
    assert {part_of(path) for path in MODULES} <= set(FLOORS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(GRADER_DIR)))
def test_imports_only_from_lower_floors(path):
    own = part_of(path)
    wrong = [(part, line) for part, line in imported_parts(path)
             if part != own and FLOORS[part] >= FLOORS[own]]
    assert wrong == [], f"{own} imports a part on its own floor or higher"
