"""A list on a page that follows a new version of itself by drawing only what is new or changed.

During a burst of changes every open page redraws its lists several times a second; building every item again
for every client would keep the event loop busy (see NICEGUI-NOTES, "Live updates"), while most items stay as
they were.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from nicegui import ui

T = TypeVar('T')


class LiveList(Generic[T]):
    """The items of `container`, one top-level element each, drawn by `draw` (inside the container) and told
    apart by `key`. The container holds nothing else."""

    def __init__(self, container: ui.element, draw: Callable[[T], object], key: Callable[[T], Hashable]) -> None:
        self.container, self.draw, self.key = container, draw, key
        self.shown: dict[Hashable, tuple[T, ui.element]] = {}

    def show(self, items: list[T]) -> None:
        """Make the list show `items`, in that order: items gone or changed (by ==) are removed, new and changed
        ones drawn, the rest kept and moved into place."""
        wanted = {self.key(item): item for item in items}
        for key in [key for key, (item, _element) in self.shown.items() if key not in wanted or wanted[key] != item]:
            self.shown.pop(key)[1].delete()
        children = self.container.default_slot.children
        for index, (key, item) in enumerate(wanted.items()):
            if key not in self.shown:
                with self.container:
                    self.draw(item)
                self.shown[key] = (item, children[-1])
            element = self.shown[key][1]
            if children.index(element) != index:
                element.move(target_index=index)
