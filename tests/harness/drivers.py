"""Driving the app's pages as a user would, in the page tests (NiceGUI's simulated `User`): its dialogs and the
composer's drop zone.

The markers are those of components/reschedule_dialog.py, components/schedule_picker.py and components/confirm.py.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from nicegui import ui
from nicegui.testing import User


async def reschedule_in_dialog(user: User, post_id: int, day: date, at: str) -> None:
    """Click Reschedule on post `post_id`, enter `day` and `at` (HH:MM, the user's time zone) and confirm.

    What follows (a notice, the dialog's own refusal, a question about a time that happens twice) is the test's
    to look for.
    """
    user.find(marker=f'reschedule-{post_id}').click()
    await user.should_see(marker='confirm-reschedule', retries=20)
    user.find(marker='schedule-date').elements.pop().set_value(day.isoformat())
    user.find(marker='schedule-time').elements.pop().set_value(at)
    user.find(marker='confirm-reschedule').click()


async def confirm_in_dialog(user: User, opener: str, confirm: str) -> None:
    """Click the button marked `opener`, wait for the confirmation dialog and press its button marked `confirm`."""
    user.find(marker=opener).click()
    await user.should_see(marker=confirm, retries=20)
    user.find(marker=confirm).click()


async def drop_files(user: User, *paths: Path, mime: str = 'application/octet-stream') -> None:
    """Drop the files at `paths` on the page's drop zone at once (the browser's type says nothing: `mime`)."""
    upload = user.find(ui.upload).elements.pop()
    await upload.handle_uploads([ui.upload.SmallFileUpload(p.name, mime, p.read_bytes()) for p in paths])
