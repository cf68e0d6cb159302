"""Starting the app with bad settings stops it with one clear line, not a traceback."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / 'app.py'


@pytest.mark.parametrize('env, words', [
    ({'PORT': 'abc'}, "Configuration error: PORT must be a whole number, got 'abc'"),
    ({'DATABASE_URL': 'oracle://x/y'}, 'Configuration error: DATABASE_URL must start with'),
    ({'DATA_DIR': '/proc/version/data'}, 'Configuration error: DATA_DIR'),
    ({'DATABASE_URL': 'postgresql://nobody:secret@127.0.0.1:9/none'}, 'Database error: cannot open 127.0.0.1:9/none'),
])
def test_bad_config_stops_the_start_with_one_line(tmp_path, env, words):
    base = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI'))}
    run = subprocess.run([sys.executable, str(APP)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={**base, 'DATA_DIR': str(tmp_path / 'data'), **env})
    assert run.returncode != 0
    errors = [line for line in run.stderr.splitlines() if not line.startswith('WARNING')]
    assert len(errors) == 1 and words in errors[0]
    assert 'Traceback' not in run.stderr and 'secret@' not in run.stderr


def test_native_window_without_its_toolkit_says_what_to_install(tmp_path):
    import importlib.util

    if importlib.util.find_spec('webview') is not None:
        pytest.skip('pywebview is installed here')
    base = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI'))}
    run = subprocess.run([sys.executable, str(APP), '--native'], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, env={**base, 'DATA_DIR': str(tmp_path / 'data')})
    assert run.returncode != 0 and 'Traceback' not in run.stderr
    assert 'pip install -r requirements-native.txt' in run.stderr.strip().splitlines()[-1]
