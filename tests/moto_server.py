"""A real moto server on 127.0.0.1 for the tests, started as a subprocess and reached over HTTP."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

# The server binds port 0 itself and prints the port the OS gave it. Picking a free port first
# and handing it to `moto.server -p` races: between the two, another process on the machine (a
# parallel test run) can take the port, and this run would then talk to that one's moto.
SERVE = """
import threading
from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
threading.Event().wait()
"""
START_SECONDS = 60


@contextmanager
def running(env: dict[str, str] | None = None) -> Iterator[str]:
    """Start moto (with `env`, e.g. INITIAL_NO_AUTH_ACTION_COUNT to enforce IAM), yield its URL
    once it answers, and stop it afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()  # "" when the server died before listening
        if not port.isdigit():
            raise RuntimeError(f"moto server did not start (exit code {proc.poll()})")
        url = f"http://127.0.0.1:{port}"
        urllib.request.urlopen(f"{url}/moto-api/", timeout=START_SECONDS)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
