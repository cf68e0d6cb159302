"""Section titles as real headings (h2, h3 under the page's h1), so a screen reader lists them and jumps between
them; and the name a dialog is announced by."""
from __future__ import annotations

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

# Quasar styles bare h2/h3 as display titles (3.75 rem): each level gets the size the section labels had.
SIZE = {2: 'text-lg', 3: 'text-base'}


def heading(text: str, level: int = 2, *, size: str | None = None) -> TextElement:
    """A section's title at `level` (2 for a section of the page, 3 for one inside it), in the level's own `size`
    unless another Tailwind text size is given; its text can change."""
    return TextElement(tag=f'h{level}', text=text).classes(f'{size or SIZE[level]} font-semibold m-0 leading-snug')


def name_dialog(dialog: ui.dialog, title: ui.element) -> None:
    """A dialog is announced by the text of `title` (its heading, or the question it asks) when it opens."""
    dialog.props(f'aria-labelledby={title.html_id}')
