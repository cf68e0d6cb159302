"""The media library page: every file with what it is and who uploaded it and where it is used; search, filter,
delete what no post uses; and picking a file from the library in the composer."""
from __future__ import annotations

from pathlib import Path

from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from services.core import db, i18n
from services.core.config import get_settings
from services.core.models import MediaAsset, Role
from services.media import library
from services.team import users
from tests.conftest import ADMIN, audit_actions, open_signed_in
from tests.harness import draft, own_password, teammate
from tests.media_samples import make_image, make_video


async def stored(path: Path, uploaded_by: int | None) -> MediaAsset:
    async def chunks():
        yield path.read_bytes()

    return await library.store_upload(chunks(), path.name, uploaded_by=uploaded_by)


def labels() -> list[str]:
    with db.session() as session:
        return sorted(session.exec(select(MediaAsset.original_name)))


async def test_the_library_shows_each_file_with_type_size_dimensions_length_uploader_and_posts(
        user: User, admin, tmp_path):
    clip = await stored(make_video(tmp_path, 'mp4', size=(64, 48), frames=48, fps=24, sound='aac',
                                   name='harbour.mp4'), admin.id)
    photo = await stored(make_image(tmp_path, 'png', size=(320, 240), name='boats.png'), None)
    post_id = draft('With the clip', media_ids=[clip.id])
    with db.session() as session:  # a copy converted for Instagram (its file is not needed here)
        session.add(MediaAsset(stored_path=f'{"0" * 32}.mp4', original_name='harbour (Instagram).mp4',
                               mime_type='video/mp4', size_bytes=10, sha256='1' * 64, variant_of=clip.id,
                               variant_for='instagram'))

    await open_signed_in(user, *ADMIN, '/media')

    await user.should_see('Media')
    await user.should_see('harbour.mp4')
    await user.should_see('Video · MP4')
    await user.should_see('\u206664 × 48\u2069')
    await user.should_see('\u20660:02\u2069')
    await user.should_see('H.264 · AAC')
    await user.should_see('24 fps')
    await user.should_see('by admin')
    await user.should_see('Used by 1 post:')
    assert f'/history/{post_id}' in [link.props.get('href') for link in user.find('With the clip').elements]
    await user.should_see('Converted for Instagram')
    await user.should_not_see('harbour (Instagram).mp4')  # a copy shows with its original, not on its own
    await user.should_see('boats.png')
    await user.should_see('Photo · PNG')
    await user.should_see('\u2066320 × 240\u2069')
    await user.should_see(marker=f'unused-{photo.id}')


async def test_search_by_name_and_the_type_filter_narrow_the_list(user: User, admin, tmp_path):
    await stored(make_video(tmp_path, 'webm', name='sunset-clip.webm'), admin.id)
    await stored(make_image(tmp_path, 'jpg', name='sunset-photo.jpg'), admin.id)
    await stored(make_image(tmp_path, 'gif', name='party.gif'), admin.id)
    await open_signed_in(user, *ADMIN, '/media')
    await user.should_see('party.gif')

    user.find(marker='media-search').type('SUNSET')
    await user.should_not_see('party.gif', retries=20)
    await user.should_see('sunset-clip.webm')
    await user.should_see('sunset-photo.jpg')

    user.find(marker='media-kind').elements.pop().set_value('video')
    await user.should_not_see('sunset-photo.jpg', retries=20)
    await user.should_see('sunset-clip.webm')

    user.find(marker='media-search').type(' nothing like it')
    await user.should_see('No file matches.', retries=20)


async def test_deleting_a_file_no_post_uses_asks_first_then_removes_it_and_its_files(user: User, admin, tmp_path):
    unused = await stored(make_video(tmp_path, 'mp4', name='outtake.mp4'), admin.id)
    await open_signed_in(user, *ADMIN, '/media')

    user.find(marker=f'delete-media-{unused.id}').click()
    await user.should_see('Delete outtake.mp4? This cannot be undone.')
    user.find(marker='confirm-delete-media').click()

    await user.should_see('outtake.mp4 deleted.', retries=20)
    await user.should_not_see(marker=f'media-{unused.id}')
    assert labels() == [] and list(get_settings().uploads_dir.iterdir()) == []
    assert 'media.deleted' in audit_actions('outtake.mp4')


async def test_deleting_a_file_a_post_uses_is_refused_with_a_clear_message_in_arabic(user: User, admin, tmp_path):
    users.set_language(admin.id, 'ar')
    used = await stored(make_image(tmp_path, 'jpg', name='cover.jpg'), admin.id)
    draft('With the cover', media_ids=[used.id])
    await open_signed_in(user, *ADMIN, '/media')
    await user.should_see(i18n.translate('ar', 'Media'))

    user.find(marker=f'delete-media-{used.id}').click()

    refusal = i18n.translate('ar', '%(name)s is used by a post. Remove it from every post that uses it, then delete '
                                   'it.', name='cover.jpg')
    assert refusal != '%(name)s is used by a post.'
    await user.should_see(refusal, retries=20)
    assert labels() == ['cover.jpg']


async def test_a_viewer_sees_the_library_but_no_delete_button(user: User, admin, tmp_path):
    photo = await stored(make_image(tmp_path, 'jpg', name='team.jpg'), admin.id)
    viewer = teammate('vera', Role.VIEWER)
    await open_signed_in(user, viewer.username, own_password(viewer.username), '/media')

    await user.should_see('team.jpg')
    await user.should_not_see(marker=f'delete-media-{photo.id}')


async def test_the_navigation_leads_to_the_library(user: User, admin):
    await open_signed_in(user, *ADMIN, '/')

    await user.should_see('Media')
    assert '/media' in [link.props.get('href') for link in user.find(ui.link).elements]


async def test_the_composer_adds_a_file_chosen_from_the_library(user: User, admin, tmp_path):
    earlier = await stored(make_image(tmp_path, 'png', name='from-last-week.png'), admin.id)
    await open_signed_in(user, *ADMIN, '/compose')

    user.find(marker='open-library').click()
    user.find(marker=f'pick-media-{earlier.id}').click()

    await user.should_see(marker='media-strip', retries=20)
    strip = user.find(marker='media-strip').elements.pop()
    assert any(getattr(label, 'text', '') == 'from-last-week.png' for label in strip.descendants())
