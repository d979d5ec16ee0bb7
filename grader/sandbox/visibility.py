"""`python -m grader sandbox-check`: what a worker can see, so staff can verify a machine.

This file runs twice: `report()` in the grader, and the file itself as a script inside
the worker's isolation (bubblewrap, or a plain process where it cannot run), where
`look(paths)` tries to read and write the paths the grader names, lists processes and
the environment, and tries the network. The script imports the standard library only.
"""

import json
import os
import socket
import sys

NETWORK_TARGET = ("1.1.1.1", 53)


def _can_write(folder):
    probe = os.path.join(folder, f".sandbox-check-{os.getpid()}")
    try:
        with open(probe, "w"):
            pass
        os.remove(probe)
        return True
    except OSError:
        return False


def _network():
    interfaces = [name for _, name in socket.if_nameindex()]
    try:
        with socket.create_connection(NETWORK_TARGET, timeout=2):
            connected = "CONNECTED"
    except OSError as error:
        connected = f"refused ({error.strerror or error})"
    return {"interfaces": interfaces, f"connect to {NETWORK_TARGET[0]}": connected}


def look(paths):
    """What this process sees: {"paths": {path: status}, "processes", "network", "env"}."""
    seen = {}
    for path in paths:
        if not os.path.exists(path):
            seen[path] = "not visible"
        elif not os.path.isdir(path):
            seen[path] = "visible, readable"
        elif not os.access(path, os.R_OK | os.X_OK):
            seen[path] = "visible, not readable"
        else:
            entries = sorted(os.listdir(path))
            shown = " ".join(entries[:6]) + (" ..." if len(entries) > 6 else "")
            seen[path] = (f"visible, {'WRITABLE' if _can_write(path) else 'read-only'}, "
                          f"{len(entries)} entries ({shown})")
    return {"paths": seen, "top level": sorted(os.listdir("/")),
            "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            "own pid": os.getpid(), "network": _network(), "environment": dict(os.environ)}


def report():
    """Run the script in the worker's isolation and print what it saw; returns 0."""
    import subprocess
    import tempfile
    from pathlib import Path

    from grader.paths import HIDDEN_CHECKS_DIR, REPO_ROOT, SOLUTION_DIR
    from grader.sandbox import bwrap as sandbox
    from grader.sandbox import privileges, processes
    from grader.sandbox.launch import WORKER_ENVIRONMENT

    isolation = sandbox.resolve("auto")
    reason = sandbox.unavailable_reason()
    account = privileges.worker_account()
    isolation = privileges.as_root_isolation(isolation)
    print(f"isolation: {isolation}" + (f" (bubblewrap cannot run: {reason})" if reason else ""))
    if account is not None:
        print(f"student code runs as: {account.name} (uid {account.uid}, gid {account.gid})")
        privileges.shield(account)  # as before every grade
    with tempfile.TemporaryDirectory(prefix="sandbox-check-") as folder:
        if account is not None:
            privileges.hand_over(folder, account)
        paths = [folder, "/tmp", str(REPO_ROOT), str(SOLUTION_DIR),
                 str(HIDDEN_CHECKS_DIR), str(REPO_ROOT / "tests"),
                 str(Path.home()), os.getcwd(), *sandbox.library_folders()]
        arguments = ["-c", Path(__file__).read_text(encoding="utf-8"), json.dumps(paths)]
        if isolation == sandbox.BWRAP:
            command = sandbox.command(arguments, folder)
        else:
            command = [sys.executable, "-I", *arguments]
        result = subprocess.run(command, capture_output=True, text=True, cwd=folder,
                                env={"PATH": os.environ.get("PATH", ""), **WORKER_ENVIRONMENT},
                                timeout=60, **processes.user_options(account and account.ids))
    if result.returncode != 0:
        print(f"the check could not run in the worker's isolation:\n{result.stderr}")
        return 1
    seen = json.loads(result.stdout)
    print(f"working directory (the submission's copy): {folder}")
    print("paths, as a worker sees them:")
    for path, status in seen["paths"].items():
        print(f"  {path}: {status}")
    print(f"top level: {' '.join(seen['top level'])}")
    print(f"processes visible: {len(seen['processes'])} (the worker's own pid: "
          f"{seen['own pid']})")
    print("network: " + "; ".join(f"{key}: {value}" for key, value in seen["network"].items()))
    print("environment:")
    for name, value in sorted(seen["environment"].items()):
        print(f"  {name}={value}")
    return 0


if __name__ == "__main__":
    print(json.dumps(look(json.loads(sys.argv[1]))))
