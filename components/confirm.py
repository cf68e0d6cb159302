"""Ask before doing something that cannot be undone."""
from __future__ import annotations

from nicegui import ui

from components.headings import name_dialog


async def confirm(question: str, *, keep: str, act: str, marker: str) -> bool:
    """True when the user chose `act`; `keep` backs out. The dialog is removed afterwards."""
    with ui.dialog() as dialog, ui.card():
        # A blank line parts the question from what it means; a long name wraps rather than widen the dialog.
        name_dialog(dialog, ui.label(question).classes('whitespace-pre-line').style('overflow-wrap: anywhere'))
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(keep, on_click=lambda: dialog.submit(False)).props('flat')
            ui.button(act, on_click=lambda: dialog.submit(True)).props('color=negative').mark(marker)
    try:
        return bool(await dialog)
    finally:
        dialog.delete()
