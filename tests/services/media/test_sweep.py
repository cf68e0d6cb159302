"""Files a crash leaves in the uploads folder go at the next start; stored media stay."""
from __future__ import annotations

import pytest

from services.media import library
from tests import media_samples
from tests.services.media.test_library import configure_app, stored_files, upload


@pytest.fixture
def settings(tmp_path):
    return configure_app(tmp_path / 'data')


async def test_sweep_removes_cut_off_uploads_and_files_without_a_row_only(settings, tmp_path):
    kept_image = await upload(media_samples.make_image(tmp_path, 'jpg'))
    kept_video = await upload(media_samples.make_video(tmp_path, 'mp4'))
    before = stored_files(settings)
    uploads = settings.uploads_dir
    (uploads / '.incoming-0123456789abcdef0123456789abcdef').write_bytes(b'half a file')
    orphan = 'ab' * 16
    for name in (f'{orphan}.jpg', f'{orphan}{library.POSTER_SUFFIX}', f'{orphan}{library.JPEG_COPY_SUFFIX}'):
        (uploads / name).write_bytes(b'no row points here')
    (uploads / 'README.txt').write_text('not ours to judge')

    assert library.sweep_leftovers() == 4
    assert stored_files(settings) == sorted([*before, 'README.txt'])
    assert library.media_path(kept_image).exists() and library.poster_path(kept_video) is not None


def test_sweep_without_an_uploads_folder_does_nothing(settings):
    assert library.sweep_leftovers() == 0
