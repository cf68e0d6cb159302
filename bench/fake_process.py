"""A fake platform in a process of its own, for benchmarks: in the bench's process, the fake's work (parsing each
request, stamping it, answering) would hold the GIL the app needs, and its delay would count as the app's."""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# The fake Telegram noting the wall-clock time it accepted each message (by its text), just before answering; its
# report is {text: time}.
TIMED_TELEGRAM = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from tests.fakes.telegram import FakeTelegram

class TimedTelegram(FakeTelegram):
    def __init__(self):
        super().__init__()
        self.answered = {}

    def _record(self, method, chat, params, received, media, messages):
        self.answered[str(params.get('text'))] = time.time()
        super()._record(method, chat, params, received, media, messages)

with TimedTelegram() as fake:
    print(json.dumps(fake.base_url), flush=True)
    sys.stdin.readline()
    print(json.dumps(fake.answered), flush=True)
"""


class FakeProcess:
    """Runs `script` with `python -c script ROOT *args`. The script starts its fakes, prints one JSON line of where
    they listen, waits for a line on stdin, prints one JSON line of what they saw, and exits. Inside `with`:
    `urls` (the first line); after: `report` (the second)."""

    def __init__(self, script: str, *args: str) -> None:
        self.script, self.args = script, args
        self.urls: Any = None
        self.report: Any = None

    def __enter__(self) -> FakeProcess:
        self.process = subprocess.Popen([sys.executable, '-c', self.script, str(ROOT), *self.args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.urls = json.loads(self.process.stdout.readline())
        return self

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.write('\n')
            self.process.stdin.flush()
            self.report = json.loads(self.process.stdout.readline())
        self.process.kill()
        self.process.wait(timeout=10)
