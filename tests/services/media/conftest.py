from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def samples(tmp_path) -> Path:
    """A folder for the sample files a test makes (outside the data folder)."""
    folder = tmp_path / 'samples'
    folder.mkdir()
    return folder
