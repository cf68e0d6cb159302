"""Writes that arrive while a batch is being written go together in the next one (each batch gathering for its window,
when it has one); a bad one fails alone."""
import asyncio
import threading

import pytest

from services.publishing.batches import Batches


class HeldFirstWrite:
    """A `write` that records each batch and holds the first until `release`; answers each item times ten."""

    def __init__(self) -> None:
        self.written: list[list[int]] = []
        self._started, self._held = threading.Event(), threading.Event()

    def __call__(self, items: list[int]) -> list[int]:
        if not self.written:
            self._started.set()
            self._held.wait(5)
        self.written.append(list(items))
        return [item * 10 for item in items]

    async def first_started(self) -> None:
        await asyncio.to_thread(self._started.wait, 5)

    def release(self) -> None:
        self._held.set()


async def test_what_arrives_while_a_batch_is_written_waits_for_the_next_one_together():
    write = HeldFirstWrite()
    batches = Batches(write)
    first = asyncio.create_task(batches.add(1))
    await write.first_started()  # the first batch (alone) is being written
    rest = [asyncio.create_task(batches.add(n)) for n in range(2, 7)]
    await asyncio.sleep(0)  # they all arrive meanwhile
    write.release()
    assert await first == 10
    assert await asyncio.gather(*rest) == [20, 30, 40, 50, 60]
    assert write.written == [[1], [2, 3, 4, 5, 6]]


async def test_an_item_that_cannot_be_written_fails_alone_and_the_others_are_written():
    def write(items):
        if 'bad' in items:
            raise ValueError('cannot write bad')
        return [item.upper() for item in items]

    batches = Batches(write)
    results = await asyncio.gather(*(batches.add(item) for item in ('a', 'bad', 'c')), return_exceptions=True)
    assert results[0] == 'A' and results[2] == 'C'
    assert isinstance(results[1], ValueError)
    with pytest.raises(ValueError, match='cannot write bad'):
        await batches.add('bad')


async def test_with_a_window_every_batch_waits_for_it_not_only_the_first():
    write = HeldFirstWrite()
    batches = Batches(write, gather_s=0.2)
    first = asyncio.create_task(batches.add(1))
    await write.first_started()
    second = asyncio.create_task(batches.add(2))  # arrives while the first batch is written
    await asyncio.sleep(0)
    write.release()
    await first
    third = asyncio.create_task(batches.add(3))  # arrives just after: the next batch is still gathering

    assert await asyncio.gather(second, third) == [20, 30]
    assert write.written == [[1], [2, 3]]
