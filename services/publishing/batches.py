"""Database writes of the engine grouped into one transaction per batch: while a batch is being written (in a worker
thread), the calls that arrive meanwhile wait for the next one. Without a gathering window one delivery alone is
written at once; a burst of deliveries ending or falling due together costs a few transactions, not one each."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
Item = TypeVar('Item')
Result = TypeVar('Result')


class Batches(Generic[Item, Result]):
    """`await batches.add(item)` returns `write(items)[i]` for its item; `write` runs in a worker thread and must
    return one result per item, in order. With `gather_s`, each batch waits that long for others to join its first
    item: items that arrive one by one (posts falling due a few milliseconds apart) then share a batch too."""

    def __init__(self, write: Callable[[list[Item]], list[Result]], *, gather_s: float = 0.0) -> None:
        self._write = write
        self._gather_s = gather_s
        self._waiting: list[tuple[Item, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def add(self, item: Item) -> Result:
        """Write `item` with whatever else is waiting; raises what writing it alone raises."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting())
        return await future

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                if self._gather_s:  # before every batch: a steady stream is written every `gather_s`, not non-stop
                    await asyncio.sleep(self._gather_s)
                batch, self._waiting = self._waiting, []
                try:
                    results = await asyncio.to_thread(self._write, [item for item, _future in batch])
                except Exception:  # noqa: BLE001 - one bad item must not fail the others: each alone, then
                    log.warning('a batch of %d failed; writing each on its own', len(batch), exc_info=True)
                    for item, future in batch:
                        await self._write_one(item, future)
                    continue
                for (_item, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._writer = None

    async def _write_one(self, item: Item, future: asyncio.Future) -> None:
        try:
            result = (await asyncio.to_thread(self._write, [item]))[0]
        except Exception as error:  # noqa: BLE001 - handed to the caller, whose delivery it is
            if not future.done():
                future.set_exception(error)
        else:
            if not future.done():
                future.set_result(result)
