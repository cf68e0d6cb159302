"""A drop zone for photos and videos: drag and drop, or click anywhere on it; several at once.

Quasar's own header (a small "+" and a raw "0.0B / 0.00%") is replaced by one face that says what to do (and,
while files go up, how far they are, as a bar: a large video takes minutes on a slow line); the
file input Quasar adds with `q-uploader-add-trigger` covers the whole face, so a click anywhere opens the picker.
The face is a <label> around that input, which names it for screen readers; the keyboard reaches the face's text (a
button of its own, beside the input rather than around it: a control inside a control is announced wrongly).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape

from nicegui import events, ui

from components.translate import _

MB = 1024 * 1024
ACCEPT = 'image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime,video/webm'
STYLE = '''.drop-zone .q-uploader__list { display: none; } .drop-zone { border-style: dashed; }
.drop-zone .drop-zone-face:focus-visible { outline: 2px solid #4f46e5; outline-offset: 2px; border-radius: 4px; }'''
FACE = '''
<label class="relative w-full block p-4 cursor-pointer">
  <q-uploader-add-trigger />
  <div class="drop-zone-face flex flex-col items-center gap-1 text-center" role="button" tabindex="0"
       @keydown.enter.prevent="props.pickFiles" @keydown.space.prevent="props.pickFiles">
    <q-icon name="cloud_upload" size="2rem" color="primary" aria-hidden="true" />
    <div class="text-sm font-medium text-gray-800">{action}</div>
    <template v-if="props.isUploading">
      <div class="text-xs text-primary">{uploading} {{{{ props.uploadProgressLabel }}}}</div>
      <q-linear-progress :value="props.uploadProgress" size="0.5rem" rounded class="w-full max-w-xs drop-zone-progress"
                         aria-label="{progress}" />
    </template>
    <div v-else class="text-xs text-gray-600">{formats}</div>
  </div>
</label>
'''


def drop_zone(on_file: Callable[[events.UploadEventArguments], Awaitable[None]], *, max_mb: int) -> ui.upload:
    """The browser refuses files over `max_mb` at once; the server checks every file again whatever it is told."""

    async def handle(event: events.UploadEventArguments) -> None:
        await on_file(event)
        upload.run_method('removeUploadedFiles')

    def too_large() -> None:
        ui.notify(_('A file was larger than %(limit)s MB and was not uploaded.', limit=max_mb), type='warning',
                  position='top')

    upload = ui.upload(multiple=True, auto_upload=True, on_upload=handle, max_file_size=max_mb * MB,
                       on_rejected=too_large)
    ui.add_css(STYLE)
    upload.props(f'accept="{ACCEPT}" flat bordered color=grey-1 text-color=grey-9').classes('w-full drop-zone')
    upload.add_slot('header', FACE.format(
        action=escape(_('Drop photos and videos here, or click to choose')),
        uploading=escape(_('Uploading…')), progress=escape(_('Upload progress'), quote=True),
        formats=escape(_('Photos (JPEG, PNG, WebP, GIF) and videos (MP4, MOV, WebM), up to %(limit)s MB each.',
                         limit=max_mb))))
    return upload.mark('drop-zone')
