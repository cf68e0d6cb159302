"""The composer as a user drives it: media, per-platform checks, drafts, scheduling, duplicates."""
from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from services.core import db
from services.core.models import (
    Delivery,
    DeliveryStatus,
    MediaAsset,
    Post,
    PostStatus,
    utcnow,
)
from services.core.timezones import utc_to_local
from services.posts import editing
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness.builders import channels_of, listed
from tests.media_samples import make_image, make_renamed_exe, make_video


@pytest.fixture
async def composer(user: User, admin):
    listed('telegram', 'instagram', 'youtube')
    await open_signed_in(user, *ADMIN)
    await user.open('/compose')
    return user


async def drop(user: User, *paths, mime: str = 'application/octet-stream') -> None:
    upload = user.find(ui.upload).elements.pop()
    await upload.handle_uploads([ui.upload.SmallFileUpload(p.name, mime, p.read_bytes()) for p in paths])


def only_post() -> Post:
    with db.session() as session:
        return session.exec(select(Post)).one()


async def test_image_and_video_upload_show_previews(composer: User, tmp_path):
    await drop(composer, make_image(tmp_path, 'jpg', name='beach.jpg'), make_video(tmp_path, 'mp4', name='clip.mp4'))
    await composer.should_see('beach.jpg', retries=40)
    await composer.should_see('clip.mp4', retries=40)
    with db.session() as session:  # the two files are stored concurrently: either may finish first
        assets = {a.original_name: a for a in session.exec(select(MediaAsset))}
    assert {name: a.mime_type for name, a in assets.items()} == {'beach.jpg': 'image/jpeg', 'clip.mp4': 'video/mp4'}
    assert assets['clip.mp4'].duration_s == pytest.approx(1.0, abs=0.2)


async def test_renamed_exe_is_refused_and_the_valid_file_in_the_same_drop_is_kept(composer: User, tmp_path):
    await drop(composer, make_renamed_exe(tmp_path, 'holiday.jpg'), make_image(tmp_path, 'png', name='ok.png'))
    await composer.should_see('holiday.jpg is not a supported image or video', retries=40, kind=ui.notification)
    await composer.should_see('ok.png', retries=40)
    with db.session() as session:
        assert [a.original_name for a in session.exec(select(MediaAsset))] == ['ok.png']


async def test_oversized_upload_is_refused_and_others_kept(composer: User, tmp_path):
    big = tmp_path / 'huge.jpg'
    big.write_bytes(make_image(tmp_path, 'jpg').read_bytes() + bytes(11 * 1024 * 1024))
    await drop(composer, big, make_image(tmp_path, 'webp', name='small.webp'))
    await composer.should_see('huge.jpg is larger than 10 MB', retries=40, kind=ui.notification)
    await composer.should_see('small.webp', retries=40)


async def test_platform_limits_are_shown_live(composer: User, tmp_path):
    composer.find(marker='platform-telegram').elements.pop().set_value(True)
    composer.find(marker='platform-instagram').elements.pop().set_value(True)
    composer.find(marker='platform-youtube').elements.pop().set_value(True)
    composer.find(marker='post-text').type('x' * 4100)
    await composer.should_see('Telegram: a message may be 4096 characters; this one has 4100.')
    await composer.should_see('Instagram needs at least one photo or video.')
    await composer.should_see('Instagram: a caption may be 2200 characters; this one has 4100.')
    await composer.should_see('YouTube needs exactly one video and nothing else.')
    await composer.should_see('YouTube needs a title.')


async def test_tiktok_without_an_account_cannot_be_chosen(composer: User):
    await composer.should_see('Not connected: add it on the Accounts page.')
    assert not composer.find(marker='platform-tiktok').elements.pop().enabled


async def test_schedule_in_the_past_is_refused_and_the_form_is_kept(composer: User):
    composer.find(marker='platform-telegram').elements.pop().set_value(True)
    composer.find(marker='post-text').type('Hello team')
    yesterday = utc_to_local(utcnow() - timedelta(days=1), 'Europe/Berlin')
    composer.find(marker='schedule-date').elements.pop().set_value(yesterday.strftime('%Y-%m-%d'))
    composer.find(marker='schedule').click()
    await composer.should_see('The chosen time has already passed. Pick a time in the future.', retries=20)
    assert composer.find(marker='post-text').elements.pop().value == 'Hello team'
    with db.session() as session:
        assert session.exec(select(Post)).all() == []


async def test_schedule_stores_the_post_with_pending_deliveries(composer: User):
    composer.find(marker='platform-telegram').elements.pop().set_value(True)
    composer.find(marker='post-text').type('See you tomorrow')
    tomorrow = utc_to_local(utcnow() + timedelta(days=1), 'Europe/Berlin')
    composer.find(marker='schedule-date').elements.pop().set_value(tomorrow.strftime('%Y-%m-%d'))
    composer.find(marker='schedule-time').elements.pop().set_value('09:30')
    composer.find(marker='schedule').click()
    await composer.should_see(marker='post-status', retries=40)
    post = only_post()
    assert post.status == PostStatus.SCHEDULED
    assert utc_to_local(post.scheduled_at, 'Europe/Berlin').strftime('%H:%M') == '09:30'
    with db.session() as session:
        deliveries = session.exec(select(Delivery)).all()
    assert [(d.platform, d.status) for d in deliveries] == [('telegram', DeliveryStatus.PENDING)]


async def test_draft_save_reopen_edit_and_delete(composer: User, tmp_path):
    composer.find(marker='post-text').type('First words')
    await drop(composer, make_image(tmp_path, 'jpg', name='only.jpg'))
    await composer.should_see('only.jpg', retries=40)
    composer.find(marker='save-draft').click()
    await composer.should_see('Edit the post', retries=40)
    post = only_post()
    assert post.status == PostStatus.DRAFT and post.text == 'First words'

    await composer.open(f'/compose?post={post.id}')
    await composer.should_see('only.jpg')
    composer.find(marker='post-text').clear().type('Better words')
    composer.find(marker='save-draft').click()
    await eventually(lambda: only_post().text == 'Better words')

    composer.find(marker='delete-post').click()
    await composer.should_see(marker='confirm-delete', retries=40)
    composer.find(marker='confirm-delete').click()
    await composer.should_see(marker='empty-state', retries=40)
    with db.session() as session:
        assert session.exec(select(Post)).all() == []
        assert session.exec(select(MediaAsset)).all() == []  # no other post used it


async def test_published_post_is_read_only_and_can_be_duplicated(composer: User):
    saved = editing.save_post(1, editing.PostInput(text='Shipped', channels=channels_of(['telegram'])),
                              editing.SaveAction.DRAFT)
    with db.session() as session:
        session.get(Post, saved.id).status = PostStatus.PUBLISHED
    await composer.open(f'/compose?post={saved.id}')
    await composer.should_see(marker='read-only')
    await composer.should_not_see(marker='save-draft')
    composer.find(marker='duplicate-post').click()
    await composer.should_see('A new draft was made from this post.', retries=40, kind=ui.notification)
    with db.session() as session:
        copies = session.exec(select(Post).where(Post.id != saved.id)).all()
    assert [(p.text, p.status) for p in copies] == [('Shipped', PostStatus.DRAFT)]
