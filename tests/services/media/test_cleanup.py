"""Deleting media: at once when the composer or a deleted post lets go of it, a day after its upload when no post
took it up, at start for files a crash left behind; never while a post uses it."""
from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from services import lifecycle
from services.core import db
from services.core.models import MediaAsset, PostStatus, utcnow
from services.media import cleanup, library
from services.media import stored_files as names
from tests import media_samples
from tests.conftest import eventually
from tests.harness import boot, draft, first_admin, with_status
from tests.services.media.test_library import all_assets, assert_nothing_kept, stored_files, upload


@pytest.fixture
def settings():
    configured = boot(PUBLIC_BASE_URL='https://dash.example.org')
    first_admin()  # posts need an author
    return configured


def uploaded_ago(asset: MediaAsset, age: timedelta) -> None:
    with db.session() as session:
        session.exec(sa.update(MediaAsset).where(MediaAsset.id == asset.id).values(created_at=utcnow() - age))


def post_using(media_id: int) -> int:
    return draft('Uses it', media_ids=[media_id])


# --- at once ---

async def test_unused_media_is_deleted_with_its_files(settings, samples):
    asset = await upload(media_samples.make_video(samples, 'mov'))
    assert len(stored_files(settings)) == 2  # the video and its poster

    assert cleanup.delete_if_unused(asset.id) is True

    assert_nothing_kept(settings)
    assert cleanup.delete_if_unused(asset.id) is False  # already gone


async def test_media_a_post_uses_is_kept(settings, samples):
    asset = await upload(media_samples.make_image(samples, 'jpg'))
    post_using(asset.id)

    assert cleanup.delete_if_unused(asset.id) is False

    assert [a.id for a in all_assets()] == [asset.id]
    assert library.media_path(asset).is_file()


async def test_the_jpeg_copy_made_for_a_platform_goes_with_its_image(settings, samples):
    asset = await upload(media_samples.make_image(samples, 'png'))
    library.signed_jpeg_url(asset)
    assert stored_files(settings) == sorted([asset.stored_path, names.jpeg_copy_name(asset.stored_path)])

    assert cleanup.delete_if_unused(asset.id) is True

    assert_nothing_kept(settings)


# --- a day after the upload ---

async def test_an_unused_upload_younger_than_a_day_is_kept_and_an_older_one_goes_with_its_poster(settings, samples):
    young = await upload(media_samples.make_image(samples, 'jpg'))
    old = await upload(media_samples.make_video(samples, 'mp4'))
    uploaded_ago(young, timedelta(hours=23))
    uploaded_ago(old, timedelta(hours=25))

    assert cleanup.delete_unused_media() == 1

    assert [a.id for a in all_assets()] == [young.id]
    assert stored_files(settings) == [young.stored_path]  # the video and its poster are gone


@pytest.mark.parametrize('status', [PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHED, PostStatus.FAILED,
                                    PostStatus.CANCELLED])
async def test_media_any_post_uses_is_never_swept_however_old(settings, samples, status):
    asset = await upload(media_samples.make_video(samples, 'webm'))
    with_status(post_using(asset.id), status)
    uploaded_ago(asset, timedelta(days=400))

    assert cleanup.delete_unused_media() == 0

    assert [a.id for a in all_assets()] == [asset.id]
    assert names.poster_path(asset) is not None and library.media_path(asset).is_file()


async def test_content_uploaded_again_has_another_day(settings, samples):
    photo = media_samples.make_image(samples, 'webp')
    first = await upload(photo)
    uploaded_ago(first, timedelta(days=3))

    again = await upload(photo)

    assert again.id == first.id
    assert cleanup.delete_unused_media() == 0
    assert cleanup.delete_unused_media(now=utcnow() + timedelta(days=1, minutes=1)) == 1
    assert_nothing_kept(settings)


async def test_the_sweep_takes_small_batches_until_none_are_left(settings, samples, monkeypatch):
    monkeypatch.setattr(cleanup, 'BATCH', 2)
    monkeypatch.setattr(cleanup, 'BATCH_PAUSE_S', 0)
    kept = await upload(media_samples.make_image(samples, 'gif'))
    post_using(kept.id)
    for ext in ('jpg', 'png', 'webp', 'gif'):
        uploaded_ago(await upload(media_samples.make_image(samples, ext, size=(20, 10))), timedelta(days=2))
    uploaded_ago(kept, timedelta(days=2))

    assert await cleanup.sweep_unused_media() == 4

    assert [a.id for a in all_assets()] == [kept.id]


async def test_the_app_sweeps_unused_media_in_the_background_once_started(settings, samples, monkeypatch):
    monkeypatch.setattr(cleanup.SWEEP, 'first_delay_s', 0)
    old = await upload(media_samples.make_video(samples, 'mov'))
    uploaded_ago(old, timedelta(days=2))

    await lifecycle.start_services(settings)
    try:
        await eventually(lambda: not all_assets())
    finally:
        await lifecycle.stop_services()

    assert_nothing_kept(settings)


# --- what a crash left behind, at start ---

async def test_sweep_removes_cut_off_uploads_and_files_without_a_row_only(settings, tmp_path):
    kept_image = await upload(media_samples.make_image(tmp_path, 'jpg'))
    kept_video = await upload(media_samples.make_video(tmp_path, 'mp4'))
    before = stored_files(settings)
    uploads = settings.uploads_dir
    (uploads / '.incoming-0123456789abcdef0123456789abcdef').write_bytes(b'half a file')
    orphan = 'ab' * 16
    for name in (f'{orphan}.jpg', f'{orphan}{names.POSTER_SUFFIX}', f'{orphan}{names.JPEG_COPY_SUFFIX}'):
        (uploads / name).write_bytes(b'no row points here')
    (uploads / 'README.txt').write_text('not ours to judge')
    long_ago = time.time() - cleanup.LEFTOVER_AGE.total_seconds() - 60
    for path in uploads.iterdir():
        os.utime(path, (long_ago, long_ago))
    # another process (on the shared folder) is writing these right now
    (uploads / '.incoming-fedcba9876543210fedcba9876543210').write_bytes(b'an upload under way')
    (uploads / f'{"cd" * 16}.jpg').write_bytes(b'its row commits in a moment')

    assert cleanup.sweep_leftovers() == 4
    assert stored_files(settings) == sorted([*before, 'README.txt', '.incoming-fedcba9876543210fedcba9876543210',
                                             f'{"cd" * 16}.jpg'])
    assert library.media_path(kept_image).exists() and names.poster_path(kept_video) is not None


def test_sweep_without_an_uploads_folder_does_nothing(settings):
    assert cleanup.sweep_leftovers() == 0
