"""Media storage: what is accepted, what is refused (leaving nothing behind), dedupe, paths, serving, signed URLs."""
from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from PIL import Image
from sqlmodel import select

from services.core import db
from services.core.config import Settings
from services.core.models import MediaAsset
from services.media import catalogue, conversions, facts, library
from services.media import stored_files as names
from services.web import media_routes
from tests import media_samples
from tests.harness import boot
from tests.harness.builders import listed

CHUNK = 64 * 1024


@pytest.fixture
def settings() -> Settings:
    return boot(PUBLIC_BASE_URL='https://dash.example.org')


@pytest.fixture
async def client(settings):
    # Only the media router: the sign-in gate (services/web/access_gate.py) is not installed here, so these tests
    # check what the routes themselves serve; the gate's own tests cover who may reach /uploads.
    app = FastAPI()
    app.include_router(media_routes.router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://test') as http:
        yield http


async def chunks_of(data: bytes):
    for start in range(0, len(data), CHUNK):
        yield data[start:start + CHUNK]


async def upload(path: Path, name: str | None = None) -> MediaAsset:
    return await library.store_upload(chunks_of(path.read_bytes()), name or path.name, uploaded_by=None)


def stored_files(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.uploads_dir.iterdir()) if settings.uploads_dir.exists() else []


def all_assets() -> list[MediaAsset]:
    with db.session() as session:
        return list(session.exec(select(MediaAsset)))


async def refusal_of(path: Path, name: str | None = None) -> library.MediaRefused:
    with pytest.raises(library.MediaRefused) as refused:
        await upload(path, name)
    return refused.value


# --- what is accepted ---

@pytest.mark.parametrize(('ext', 'mime_type'), [
    ('jpg', 'image/jpeg'), ('png', 'image/png'), ('webp', 'image/webp'), ('gif', 'image/gif'),
])
async def test_each_image_type_is_stored_with_its_type_and_size(settings, samples, ext, mime_type):
    sample = media_samples.make_image(samples, ext, size=(64, 48))

    asset = await upload(sample, f'Holiday photo.{ext}')

    assert (asset.mime_type, asset.width, asset.height, asset.duration_s) == (mime_type, 64, 48, None)
    assert asset.original_name == f'Holiday photo.{ext}'
    assert asset.size_bytes == sample.stat().st_size
    assert asset.sha256 == hashlib.sha256(sample.read_bytes()).hexdigest()
    assert library.media_path(asset).read_bytes() == sample.read_bytes()
    assert library.media_path(asset).parent == settings.uploads_dir
    assert stored_files(settings) == [asset.stored_path]
    assert asset.stored_path.endswith(f'.{ext}') and 'Holiday' not in asset.stored_path
    assert names.poster_path(asset) is None
    assert [a.id for a in all_assets()] == [asset.id]


@pytest.mark.parametrize(('ext', 'mime_type'), [
    ('mp4', 'video/mp4'), ('mov', 'video/quicktime'), ('webm', 'video/webm'),
])
async def test_each_video_type_is_stored_with_duration_size_and_poster(settings, samples, ext, mime_type):
    sample = media_samples.make_video(samples, ext, size=(64, 48), frames=24, fps=12)
    assert sample.stat().st_size < 100_000

    asset = await upload(sample, 'clip.bin')

    assert (asset.mime_type, asset.width, asset.height) == (mime_type, 64, 48)
    assert asset.duration_s == pytest.approx(2.0, abs=0.1)
    assert asset.stored_path.endswith(f'.{ext}')
    poster = names.poster_path(asset)
    assert poster is not None and poster.name == asset.stored_path.split('.')[0] + '.poster.jpg'
    with Image.open(poster) as image:
        assert (image.format, image.size) == ('JPEG', (64, 48))


async def test_web_ready_mp4_is_stored(settings, samples):
    asset = await upload(media_samples.make_video(samples, 'mp4', faststart=True))

    assert (asset.mime_type, asset.duration_s) == ('video/mp4', pytest.approx(1.0, abs=0.1))


async def test_portrait_phone_video_has_the_size_and_poster_it_is_shown_with(settings, samples):
    sample = media_samples.make_video(samples, 'mp4', size=(64, 48), rotation=-90)

    asset = await upload(sample)

    assert (asset.width, asset.height) == (48, 64)
    with Image.open(names.poster_path(asset)) as image:
        assert image.size == (48, 64)


async def test_type_comes_from_the_bytes_not_the_name(settings, samples):
    asset = await upload(media_samples.make_image(samples, 'png'), 'looks-like-a.mp4')

    assert asset.mime_type == 'image/png'
    assert asset.stored_path.endswith('.png')


async def test_the_file_name_is_only_a_label(settings, samples):
    asset = await upload(media_samples.make_image(samples, 'jpg'), '../../' + 'x' * 300 + '.jpg')

    assert len(asset.original_name) == 255
    assert '/' not in asset.stored_path and library.media_path(asset).parent == settings.uploads_dir


# --- what is refused, leaving nothing behind ---

def assert_nothing_kept(settings: Settings) -> None:
    assert stored_files(settings) == []
    assert all_assets() == []


@pytest.mark.parametrize('make', [
    media_samples.make_renamed_exe,
    media_samples.make_svg,
    lambda folder: media_samples.make_image(folder, 'avif', name='photo.jpg'),
    lambda folder: media_samples.make_video(folder, 'mkv', name='clip.webm'),
], ids=['exe renamed .jpg', 'svg renamed .png', 'avif', 'matroska renamed .webm'])
async def test_files_of_other_types_are_refused(settings, samples, make):
    sample = make(samples)

    refusal = await refusal_of(sample)

    assert refusal.message == library.NOT_SUPPORTED
    assert refusal.params == {'name': sample.name}
    assert 'JPEG, PNG, WebP, GIF, MP4, MOV or WebM' in refusal.message
    assert_nothing_kept(settings)


async def test_html_page_is_refused(settings, samples):
    page = samples / 'page.gif'
    page.write_text('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>', encoding='utf-8')

    assert (await refusal_of(page)).message == library.NOT_SUPPORTED
    assert_nothing_kept(settings)


@pytest.mark.parametrize('make', [
    lambda folder: media_samples.make_truncated(media_samples.make_image(folder, 'jpg', size=(300, 200))),
    lambda folder: media_samples.make_truncated(media_samples.make_image(folder, 'png', size=(300, 200))),
    lambda folder: media_samples.make_truncated(media_samples.make_image(folder, 'gif', size=(300, 200))),
    lambda folder: media_samples.make_truncated(media_samples.make_video(folder, 'mp4', frames=48)),
    lambda folder: media_samples.make_truncated(media_samples.make_video(folder, 'mp4', frames=48, faststart=True)),
    lambda folder: media_samples.make_truncated(media_samples.make_video(folder, 'webm', frames=48)),
], ids=['jpeg', 'png', 'gif', 'mp4', 'web-ready mp4', 'webm'])
async def test_truncated_files_are_refused_as_damaged(settings, samples, make):
    sample = make(samples)

    refusal = await refusal_of(sample)

    assert (refusal.message, refusal.params) == (library.DAMAGED, {'name': sample.name})
    assert_nothing_kept(settings)


async def test_empty_file_is_refused(settings, samples):
    empty = samples / 'empty.jpg'
    empty.write_bytes(b'')

    refusal = await refusal_of(empty)

    assert (refusal.message, refusal.params) == (library.EMPTY, {'name': 'empty.jpg'})
    assert_nothing_kept(settings)


async def test_picture_with_too_many_pixels_is_refused_before_decoding(settings, samples):
    refusal = await refusal_of(media_samples.make_png_claiming(samples, (8000, 7000)))

    assert (refusal.message, refusal.params) == (library.TOO_MANY_PIXELS, {'name': 'huge.png', 'limit': 50})
    assert_nothing_kept(settings)


async def test_oversized_upload_is_refused_as_soon_as_the_limit_is_passed(tmp_path):
    settings = boot(MAX_UPLOAD_MB='1')
    pulled = 0

    async def endless_png():
        nonlocal pulled
        yield b'\x89PNG\r\n\x1a\n' + bytes(CHUNK - 8)
        pulled = 1
        while pulled < 1000:  # 64 MB if nobody stops reading
            pulled += 1
            yield bytes(CHUNK)

    with pytest.raises(library.MediaRefused) as refused:
        await library.store_upload(endless_png(), 'big.png', uploaded_by=None)

    assert (refused.value.message, refused.value.params) == (library.TOO_LARGE, {'name': 'big.png', 'limit': 1})
    assert pulled == 1024 * 1024 // CHUNK + 1  # the chunk that passed the limit is the last one read
    assert_nothing_kept(settings)


async def test_upload_of_exactly_the_limit_is_kept(tmp_path, samples):
    settings = boot(MAX_UPLOAD_MB='1')
    sample = media_samples.make_image(samples, 'png')
    padded = sample.read_bytes() + bytes(1024 * 1024 - sample.stat().st_size)  # PNG readers ignore trailing bytes

    asset = await library.store_upload(chunks_of(padded), 'padded.png', uploaded_by=None)

    assert asset.size_bytes == 1024 * 1024
    assert stored_files(settings) == [asset.stored_path]


# --- the same content is stored once ---

async def test_same_content_uploaded_twice_is_stored_once(settings, samples):
    sample = media_samples.make_video(samples, 'mp4')

    first = await upload(sample, 'first.mp4')
    second = await upload(sample, 'second name.mp4')

    assert second.id == first.id and second.original_name == 'first.mp4'
    assert len(all_assets()) == 1
    assert stored_files(settings) == sorted([first.stored_path, names.poster_path(first).name])


async def test_same_content_uploaded_twice_at_once_is_stored_once(settings, samples):
    sample = media_samples.make_image(samples, 'webp')

    first, second = await asyncio.gather(upload(sample, 'a.webp'), upload(sample, 'b.webp'))

    assert first.id == second.id
    assert len(all_assets()) == 1
    assert stored_files(settings) == [first.stored_path]


# --- paths and serving ---

@pytest.mark.parametrize('stored_path', [
    '../dashboard.db', '../../etc/passwd', '/etc/passwd', 'a' * 32 + '.jpg/../../dashboard.db',
    'a' * 32 + '.exe', '.incoming-' + 'a' * 32, '', 'A' * 32 + '.jpg',
])
def test_media_path_never_leads_outside_the_uploads_folder(settings, stored_path):
    with pytest.raises(ValueError):
        library.media_path(MediaAsset(stored_path=stored_path, original_name='x', mime_type='image/jpeg',
                                    size_bytes=1, sha256='0' * 64))


def test_symlink_out_of_the_uploads_folder_is_not_followed(settings, tmp_path):
    secret = tmp_path / 'secret.jpg'
    secret.write_bytes(b'secret')
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    (settings.uploads_dir / ('b' * 32 + '.jpg')).symlink_to(secret)

    assert names.stored_file('b' * 32 + '.jpg') is None


async def test_signed_in_route_serves_stored_files_with_their_type(settings, samples, client):
    sample = media_samples.make_image(samples, 'png')
    asset = await upload(sample)

    response = await client.get(f'/uploads/{asset.stored_path}')

    assert response.status_code == 200
    assert response.content == sample.read_bytes()
    assert response.headers['content-type'] == 'image/png'
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert response.headers['content-disposition'].startswith('inline')


async def test_video_and_its_poster_are_served(settings, samples, client):
    asset = await upload(media_samples.make_video(samples, 'webm'))

    video = await client.get(f'/uploads/{asset.stored_path}')
    poster = await client.get(f'/uploads/{names.poster_path(asset).name}')

    assert (video.status_code, video.headers['content-type']) == (200, 'video/webm')
    assert (poster.status_code, poster.headers['content-type']) == (200, 'image/jpeg')


@pytest.mark.parametrize('url', [
    '/uploads/..%2Fdashboard.db', '/uploads/%2E%2E%2Fsecret_key', '/uploads/../secret_key',
    '/uploads/..%2F..%2Fetc%2Fpasswd', '/uploads/' + 'c' * 32 + '.jpg', '/uploads/' + 'c' * 32 + '.html',
    '/uploads/.incoming-' + 'c' * 32, '/media/signed/..%2Fsecret_key?expires=9999999999&signature=x',
])
async def test_anything_but_a_stored_name_is_not_found(settings, client, url):
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    (settings.uploads_dir / ('.incoming-' + 'c' * 32)).write_bytes(b'half an upload')

    response = await client.get(url)

    assert response.status_code == 404
    assert b'half an upload' not in response.content


# --- signed URLs for platforms that pull media ---

async def test_signed_url_lets_a_platform_fetch_the_file_until_it_expires(settings, samples, client):
    asset = await upload(media_samples.make_video(samples, 'mp4'))

    url = library.signed_url(asset, expires_in=600)

    assert url.startswith(f'https://dash.example.org/media/signed/{asset.stored_path}?expires=')
    response = await client.get(url.removeprefix('https://dash.example.org'))
    assert (response.status_code, response.headers['content-type']) == (200, 'video/mp4')
    assert response.content == library.media_path(asset).read_bytes()


async def test_expired_signed_url_is_refused(settings, samples, client):
    asset = await upload(media_samples.make_image(samples, 'jpg'))
    url = library.signed_url(asset, expires_in=-1)
    query = httpx.URL(url).params

    assert not library.verify_signed(asset.stored_path, query['expires'], query['signature'])
    assert (await client.get(url.removeprefix('https://dash.example.org'))).status_code == 403


async def test_tampered_signed_url_is_refused(settings, samples, client):
    first = await upload(media_samples.make_image(samples, 'jpg'))
    other = await upload(media_samples.make_image(samples, 'png'))
    query = httpx.URL(library.signed_url(first)).params
    expires, signature = query['expires'], query['signature']

    assert library.verify_signed(first.stored_path, expires, signature)
    assert not library.verify_signed(other.stored_path, expires, signature)
    assert not library.verify_signed(first.stored_path, str(int(expires) + 3600), signature)
    altered = signature[:-1] + ('0' if signature[-1] != '0' else '1')
    assert not library.verify_signed(first.stored_path, expires, altered)
    assert not library.verify_signed(first.stored_path, 'soon', signature)
    assert not library.verify_signed(first.stored_path, expires, 'é' * 64)
    response = await client.get(f'/media/signed/{other.stored_path}', params={'expires': expires,
                                                                              'signature': signature})
    assert response.status_code == 403
    assert (await client.get(f'/media/signed/{first.stored_path}')).status_code == 403


async def test_signature_made_with_another_secret_key_is_refused(settings, samples):
    asset = await upload(media_samples.make_image(samples, 'gif'))
    query = httpx.URL(library.signed_url(asset)).params

    boot(SECRET_KEY='y' * 40)

    assert not library.verify_signed(asset.stored_path, query['expires'], query['signature'])


async def test_signed_url_needs_a_public_address(tmp_path, samples):
    boot()
    asset = await upload(media_samples.make_image(samples, 'jpg'))

    with pytest.raises(library.PublicUrlMissing) as missing:
        library.signed_url(asset)

    assert missing.value.message == library.NO_PUBLIC_URL
    assert 'PUBLIC_BASE_URL' in missing.value.message


def test_signed_url_expiry_is_a_unix_time(settings):
    asset = MediaAsset(stored_path='d' * 32 + '.mp4', original_name='x', mime_type='video/mp4', size_bytes=1,
                       sha256='0' * 64)
    expires = int(httpx.URL(library.signed_url(asset, expires_in=3600)).params['expires'])

    assert abs(expires - (time.time() + 3600)) < 5


async def test_a_file_stored_before_its_facts_were_read_is_probed_once_when_first_checked_or_listed(tmp_path):
    boot()
    listed('instagram')
    clip_path = media_samples.make_video(tmp_path, 'mp4', size=(360, 640), frames=480, fps=120, sound='aac',
                                         name='old.mp4')
    logo_path = tmp_path / 'old-logo.png'
    Image.new('RGBA', (400, 400), (200, 30, 30, 0)).save(logo_path)
    ids = []
    for path in (clip_path, logo_path):
        async def chunks(path=path):
            yield path.read_bytes()
        ids.append((await library.store_upload(chunks(), path.name, uploaded_by=None)).id)
    with db.session() as session:  # as migration 0012 left files stored before it: no codecs, no transparency
        session.exec(sa.update(MediaAsset).values(video_codec=None, audio_codec=None, frame_rate=None, bit_rate=None,
                                                  has_alpha=None))
        clip = session.get(MediaAsset, ids[0])

    assert conversions.needs_conversion(clip, 'instagram')  # the check read the file: 120 fps

    with db.session() as session:
        stored = session.get(MediaAsset, ids[0])
    assert (stored.video_codec, stored.audio_codec, stored.frame_rate) == ('h264', 'aac', 120)
    [logo_entry] = [entry for entry in catalogue.list_media() if entry.asset.id == ids[1]]
    assert logo_entry.asset.has_alpha is True
    with db.session() as session:
        assert session.get(MediaAsset, ids[1]).has_alpha is True
    assert facts.complete(entry.asset for entry in catalogue.list_media()) == 0  # once: nothing left to read
