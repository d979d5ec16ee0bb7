"""GradeOptions: every option of one grade, declared once with its default.

The grade command line, the regrade command line and the regrade's settings are built
from this dataclass (add_arguments / from_arguments); the check session receives the
object itself (grader.session.plugin), never a string version of it.

Floor 1 of the grader, just above lab.py and paths.py: it imports grader.lab only.
"""

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from grader.lab import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, HIDDEN_SEED

DEFAULT_OUT = Path("grading-output")
SANDBOXES = ("auto", "bwrap", "none")


def option(default, help, flag=None, metavar=None, type=None):
    """A field with what its command-line option needs (flag defaults to --the-name)."""
    return field(default=default, metadata={"help": help, "flag": flag, "metavar": metavar,
                                            "type": type})


@dataclass(frozen=True, kw_only=True)
class GradeOptions:
    out: Path = option(DEFAULT_OUT, "directory for results.json, feedback.md and the figures",
                       metavar="DIR", type=Path)
    keyword: str | None = option(None, "run only the checks whose test names match (pytest -k)",
                                 flag="-k", metavar="EXPR")
    hidden: bool = option(False, "also run the hidden checks (grader/hidden/)")
    timeout: float = option(DEFAULT_TIMEOUT, "seconds one call into the submission may take",
                            metavar="S", type=float)
    memory: int = option(DEFAULT_MEMORY_MB, "MB of address space the submission's process may "
                         "use", metavar="MB", type=int)
    hidden_seed: int = option(HIDDEN_SEED, "seed of the hidden checks' fresh inputs and data "
                              "(change it each term)", metavar="N", type=int)
    report_points: float = option(0.0, "points of each check of a notebook's report outputs",
                                  metavar="N", type=float)
    sandbox: str = option("auto", "how student code is isolated", metavar="|".join(SANDBOXES))
    zygote: str | None = option(None, "Unix socket of a worker zygote to fork workers from")
    record_reference: Path | None = option(None, "save every reference answer the checks use "
                                           "into FILE (.npz)", metavar="FILE", type=Path)
    reference_values: Path | None = option(None, "read reference answers from FILE (.npz) "
                                           "instead of the solution", metavar="FILE", type=Path)

    def with_(self, **changes):
        """A copy with the fields given (None leaves a field as it is)."""
        return replace(self, **{name: value for name, value in changes.items()
                                if value is not None})


FIELDS = {f.name: f for f in fields(GradeOptions)}


def add_arguments(parser, names, flags=None, defaults=None):
    """Add the options `names` of GradeOptions to an argparse parser.

    Args:
        flags: {name: flag} where a command spells an option differently.
        defaults: {name: value} where a command's default differs from GradeOptions'.
    """
    for name in names:
        spec = FIELDS[name]
        meta = spec.metadata
        default = (defaults or {}).get(name, spec.default)
        flag = (flags or {}).get(name) or meta["flag"] or "--" + name.replace("_", "-")
        shown = default is not None and default is not False
        help_text = meta["help"] + (f" (default: {default:g})" if isinstance(default, float)
                                    else f" (default: {default})" if shown else "")
        if spec.type is bool or isinstance(spec.default, bool):
            parser.add_argument(flag, dest=name, action="store_true", help=help_text)
            continue
        parser.add_argument(flag, dest=name, default=default, type=meta["type"],
                            metavar=meta["metavar"], help=help_text,
                            choices=SANDBOXES if name == "sandbox" else None)


def from_arguments(args, names, **fixed):
    """The GradeOptions of parsed arguments: the options `names` as parsed, the others
    their defaults, and `fixed` the fields a command decides itself."""
    return GradeOptions(**{name: getattr(args, name) for name in names}, **fixed)

