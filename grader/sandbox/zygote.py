"""The worker zygote: a process with numpy and matplotlib imported once, that forks a
fresh worker for every grading request (started by grader.sandbox.launch.start_zygote).

Forking from it saves each submission the imports; it never imports the solution or
the grader's checks, so a worker has nothing of them to reach.
"""

import os
import socket

from grader.sandbox import protocol
from grader.sandbox.processes import become_subreaper, children, kill, limit_resources, reap
from grader.sandbox.worker import preload, serve


def zygote(socket_path):
    """Fork a fresh worker for every connection to socket_path, from a preloaded process.

    A connection sends {"cwd", "memory_mb", "cpu_seconds"}; the forked worker answers
    {"pid"} on it, then serves requests on that same connection. The zygote is a child
    subreaper: processes a worker leaves behind become its children and are killed.
    """
    preload()
    become_subreaper()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(16)
    server.settimeout(0.2)
    workers = set()
    while True:
        reap()
        workers &= children()
        for stray in children() - workers:
            kill(stray)
        try:
            connection, _ = server.accept()
        except TimeoutError:
            continue
        connection.settimeout(None)
        stream = connection.makefile("rwb")
        settings = protocol.read_message(stream)
        pid = os.fork()
        if pid == 0:  # the worker
            server.close()
            os.setsid()
            os.chdir(settings["cwd"])
            limit_resources(settings["memory_mb"], settings["cpu_seconds"])
            protocol.write_message(stream, {"pid": os.getpid()})
            serve(stream, stream)
            os._exit(0)
        workers.add(pid)
        stream.close()
        connection.close()
