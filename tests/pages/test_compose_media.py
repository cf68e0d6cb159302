"""What the composer does with a file removed before saving: deleted, row and files, unless a saved post uses it."""
from __future__ import annotations

from nicegui.testing import User
from sqlmodel import select

from services.core import db
from services.core.config import get_settings
from services.core.models import MediaAsset
from services.media import library
from tests.conftest import ADMIN, open_signed_in
from tests.harness import draft, drop_files
from tests.media_samples import make_image, make_video


def stored() -> tuple[list[str], list[str]]:
    """The media rows (by label) and the files in the uploads folder."""
    with db.session() as session:
        labels = sorted(session.exec(select(MediaAsset.original_name)))
    return labels, sorted(path.name for path in get_settings().uploads_dir.iterdir())


async def test_a_file_removed_before_saving_is_deleted_with_its_poster(user: User, admin, tmp_path):
    await open_signed_in(user, *ADMIN, '/compose')
    await drop_files(user, make_video(tmp_path, 'mp4', name='clip.mp4'))
    await user.should_see('clip.mp4', retries=40)
    assert len(stored()[1]) == 2  # the video and its poster

    user.find(marker='remove-media').click()

    await user.should_not_see('clip.mp4', retries=20)
    assert stored() == ([], [])


async def test_a_file_a_saved_post_still_uses_is_kept_when_removed_before_saving(user: User, admin, tmp_path):
    photo = make_image(tmp_path, 'png', name='keep.png')
    asset = await library.store_upload(iter_bytes(photo.read_bytes()), photo.name, uploaded_by=admin.id)
    post_id = draft('With a photo', media_ids=[asset.id])
    await open_signed_in(user, *ADMIN, f'/compose?post={post_id}')
    await user.should_see('keep.png')

    user.find(marker='remove-media').click()

    await user.should_not_see('keep.png', retries=20)
    labels, files = stored()
    assert labels == ['keep.png'] and files == [asset.stored_path]


async def iter_bytes(data: bytes):
    yield data
