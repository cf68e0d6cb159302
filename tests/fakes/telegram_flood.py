"""Telegram's flood control as the fake Bot API enforces it: token buckets per chat and per bot.

Telegram publishes no exact figures (spec sheet: about 1 message/s per chat with short bursts, about 30/s per bot,
always obey `retry_after`); the fake's are these buckets, whose sizes a test or a benchmark can read and change.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass
class Bucket:
    """`burst` sends at once, then `rate` a second."""
    rate: float
    burst: int
    tokens: float = -1.0  # full once first used
    at: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until a send is allowed (0: now), after filling up for the time gone by."""
        if self.tokens < 0:
            self.tokens, self.at = float(self.burst), now
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class FloodControl:
    """Counts sends per (bot, chat) and per bot; says how long a send that came too soon must wait."""

    def __init__(self, *, chat_rate: float, chat_burst: int, bot_rate: float, bot_burst: int) -> None:
        self.chat_rate, self.chat_burst, self.bot_rate, self.bot_burst = chat_rate, chat_burst, bot_rate, bot_burst
        self._buckets: dict[Hashable, Bucket] = {}
        self._lock = threading.Lock()

    def retry_after(self, bot: str, chat: int) -> int:
        """0 when the bot may send into `chat` now (the send is counted), else the whole seconds to wait, as
        Telegram names them in `parameters.retry_after` (at least 1)."""
        now = time.monotonic()
        with self._lock:
            buckets = (self._bucket(('chat', bot, chat), self.chat_rate, self.chat_burst),
                       self._bucket(('bot', bot), self.bot_rate, self.bot_burst))
            wait = max(bucket.wait(now) for bucket in buckets)
            if wait > 0:
                return max(1, math.ceil(wait))
            for bucket in buckets:
                bucket.take()
            return 0

    def least_time(self, messages_per_chat: Sequence[int]) -> float:
        """The least seconds these limits allow for one bot to send `messages_per_chat[i]` messages into chat i."""
        per_chat = [max(0, count - self.chat_burst) / self.chat_rate for count in messages_per_chat]
        overall = max(0, sum(messages_per_chat) - self.bot_burst) / self.bot_rate
        return max([overall, *per_chat])

    def _bucket(self, key: Hashable, rate: float, burst: int) -> Bucket:
        return self._buckets.setdefault(key, Bucket(rate, burst))
