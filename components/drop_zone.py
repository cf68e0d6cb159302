"""A drop zone for photos and videos: drag and drop or click, several at once, a progress bar per file."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import events, ui

from components.translate import _

MB = 1024 * 1024


def drop_zone(on_file: Callable[[events.UploadEventArguments], Awaitable[None]], *, max_mb: int) -> ui.upload:
    """The browser refuses files over `max_mb` at once; the server checks every file again whatever it is told."""

    async def handle(event: events.UploadEventArguments) -> None:
        await on_file(event)
        upload.run_method('removeUploadedFiles')

    def too_large() -> None:
        ui.notify(_('A file was larger than %(limit)s MB and was not uploaded.', limit=max_mb), type='warning')

    upload = ui.upload(multiple=True, auto_upload=True, on_upload=handle, max_file_size=max_mb * MB,
                       on_rejected=too_large, label=_('Drop photos and videos here, or click to choose'))
    upload.props('accept="image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime,video/webm" '
                 'flat bordered color=primary').classes('w-full')
    return upload.mark('drop-zone')
