"""Workflow commands in a GitHub Actions log, read back as GitHub's runner reads them."""

import re

COMMAND = re.compile(r"^::(?P<name>[a-z-]+)(?: (?P<properties>[^:]*))?::(?P<message>.*)$")


def unescape(text, escapes=(("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","))):
    """What GitHub's runner makes of an escaped value (%25 last, as it does)."""
    for escaped, plain in escapes:
        text = text.replace(escaped, plain)
    return text.replace("%25", "%")


def parse_command(line):
    """(name, {property: value}, message) of one workflow command line, as the runner reads it."""
    match = COMMAND.match(line)
    assert match, line
    properties = {}
    for pair in (match["properties"] or "").split(","):
        if pair:
            key, value = pair.split("=", 1)
            properties[key] = unescape(value)
    return match["name"], properties, unescape(match["message"])


def commands_run(log):
    """The workflow commands GitHub would act on in `log`: not those between
    ::stop-commands::TOKEN and ::TOKEN::."""
    commands, stopped_by = [], None
    for line in log.splitlines():
        line = line.strip()  # the runner reads a command after leading spaces too
        if stopped_by:
            stopped_by = None if line == f"::{stopped_by}::" else stopped_by
        elif line.startswith("::stop-commands::"):
            stopped_by = line.split("::")[2]
        elif line.startswith("::"):
            commands.append(parse_command(line))
    return commands
