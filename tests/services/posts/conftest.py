"""What the posts' service tests share: a fake Telegram to publish to (`harness.publishing_to` boots onto it)."""
from __future__ import annotations

import pytest

from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server
