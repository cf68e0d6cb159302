"""What the page tests share: a fake Telegram the app finds through its environment."""
from __future__ import annotations

import pytest

from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram


@pytest.fixture
def telegram(monkeypatch):
    """A fake Telegram configured through the environment, as an operator would (before `user` starts the app)."""
    with FakeTelegram() as fake:
        for name, value in {'TELEGRAM_API_URL': fake.base_url, 'TELEGRAM_BOT_TOKEN': DEFAULT_TOKEN,
                            'TELEGRAM_CHAT_ID': str(DEFAULT_CHAT_ID), 'TELEGRAM_PACING_SECONDS': '0'}.items():
            monkeypatch.setenv(name, value)
        yield fake
