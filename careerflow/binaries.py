"""Find the executables that wheels install (the Temporal CLI and test server).

They land in the virtual environment's ``bin`` directory, which is not on PATH
when a tool is run as ``.venv/bin/...``; look there first, then on PATH.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class MissingBinary(RuntimeError):
    pass


def find_binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise MissingBinary(f"{name} not found; install the project (make install)")
    return found


@contextmanager
def careerflow_process(command: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``careerflow COMMAND`` as its own process; SIGTERM (then kill) on the way out.

    Its operations ports are off unless ``env`` names them (processes run side by side).
    """
    quiet = {"CAREERFLOW_METRICS_PORT": "0", "CAREERFLOW_TEMPORAL_METRICS_PORT": "0"}
    process = subprocess.Popen(
        [find_binary("careerflow"), command],
        env=quiet | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
