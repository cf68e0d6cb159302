"""Whose turn it is to send: each channel's pacing gap, each shared credential's window (one bot into all its chats),
and the process's sending slots. A delivery is claimed only when its turn has come."""
from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from services.core.config import Settings
from services.platforms.spec import PlatformSpec

Claim = TypeVar('Claim')


@dataclass
class _Pace:
    lock: asyncio.Lock
    last: float = 0.0


@dataclass
class _Window:
    """At most `limit` sends in any `seconds`: the times of the latest sends, oldest first."""
    lock: asyncio.Lock
    limit: int
    seconds: float
    sent: collections.deque = field(default_factory=collections.deque)

    async def wait(self) -> None:
        while len(self.sent) >= self.limit:
            wait = self.sent[0] + self.seconds - time.monotonic()
            if wait <= 0:
                self.sent.popleft()
            else:
                await asyncio.sleep(wait)

    def used(self) -> None:
        self.sent.append(time.monotonic())


class Turns:
    """The turns of one engine: slots shared by every send, a gap per channel, a window per credential."""

    def __init__(self, settings: Settings) -> None:
        self._slots = asyncio.Semaphore(settings.publish_concurrency)
        self._pacing: dict[int, _Pace] = {}  # by channel
        self._windows: dict[int, _Window] = {}  # by account (credential)

    @contextlib.asynccontextmanager
    async def take(self, spec: PlatformSpec, channel_id: int, account_id: int, channel_gap: float,
                   claim: Callable[[], Awaitable[Claim | None]]) -> AsyncIterator[Claim | None]:
        """Wait for the channel's pacing gap (sends to one channel at least `channel_gap` s apart) and for
        its credential's window (at most `credential_limit` sends with one bot into all its chats), then for a
        sending slot, then `claim`; yields the claim's answer (None: lost), holding the slot until the block ends.

        A paced channel's gap counts from the end of its previous request, when that request has surely reached
        the platform: counted from the start, a request delayed on its way would arrive too close to the next.
        A delivery waiting for a gap holds no slot, so a paced burst to one channel leaves the slots to others.
        A gap counts as used only when the claim succeeds; a lost claim gives the slot straight back.
        """
        if channel_gap <= 0:  # pacing off (a bench against a fake without limits, a test): no gap, no window
            async with self._slots:
                yield await claim()
            return
        channel = self._pacing.setdefault(channel_id, _Pace(asyncio.Lock()))
        count, seconds = spec.credential_limit if spec.credential_limit else (1_000_000, 1.0)
        credential = self._windows.setdefault(account_id, _Window(asyncio.Lock(), count, seconds))
        await channel.lock.acquire()
        paced = True
        try:
            await _wait_gap(channel, channel_gap)
            async with credential.lock:
                await credential.wait()
                await self._slots.acquire()
                try:
                    claimed = await claim()
                except BaseException:
                    self._slots.release()
                    raise
                if claimed is not None:
                    credential.used()
            if claimed is None:
                channel.lock.release()
                paced = False
            try:
                yield claimed
            finally:
                self._slots.release()
                if claimed is not None:
                    channel.last = time.monotonic()
        finally:
            if paced:
                channel.lock.release()


async def _wait_gap(pace: _Pace, gap: float) -> None:
    wait = pace.last + gap - time.monotonic()
    if gap > 0 and wait > 0:
        await asyncio.sleep(wait)
