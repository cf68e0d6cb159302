"""Converting a file for a platform that refuses it: the copy passes that platform's checks when probed again, the
original stays for the others, a cancel or a crash leaves no file behind, and the fake platforms receive the copy
(Instagram) and the original (YouTube)."""
from __future__ import annotations

import asyncio
import hashlib
import os
import pickle
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import av
import pytest
from PIL import Image
from sqlmodel import select

from services.core import db
from services.core.config import get_settings
from services.core.models import ConversionStatus, MediaAsset, MediaConversion
from services.media import catalogue, cleanup, conversions, library, variants
from services.media.conversion_worker import Job, worker_name
from services.media.probe import probe
from services.media.stored_files import media_path
from services.platforms import registry
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine
from tests import media_samples
from tests.harness import boot, connected, first_admin, stop_services
from tests.harness.builders import channels_of, listed
from tests.services.publishing.test_fanout import FourFakes

FRAME_RATE = '%(platform)s takes videos of %(min)s to %(max)s frames per second; %(file)s has %(found)s.'


@pytest.fixture
def author():
    boot()
    return first_admin('author')


async def stored(path: Path, uploaded_by: int | None = None) -> MediaAsset:
    async def chunks():
        yield path.read_bytes()

    return await library.store_upload(chunks(), path.name, uploaded_by=uploaded_by)


async def finished(conversion_id: int) -> MediaConversion:
    """The conversion once its worker is done with it (polled: it runs in a process of its own)."""
    for _ in range(600):
        with db.session() as session:
            row = session.get(MediaConversion, conversion_id)
        if row.status != ConversionStatus.RUNNING and not conversions.is_working(conversion_id):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError('the conversion did not finish')


def problems_on(asset_ids: list[int], platforms: list[str]) -> dict[str, set[str]]:
    with db.session() as session:
        assets = [session.get(MediaAsset, asset_id) for asset_id in asset_ids]
    data = PostInput('Clip', asset_ids, channels_of(platforms), {'youtube': {'title': 'Clip'}})
    found: dict[str, set[str]] = {platform: set() for platform in platforms}
    for problem in editing.problems_for(data, assets, SaveAction.PUBLISH):
        found[problem.platform].add(problem.message)
    return found


def uploads() -> list[str]:
    return sorted(path.name for path in get_settings().uploads_dir.iterdir())


def faststart(path: Path) -> bool:
    data = path.read_bytes()
    return 0 <= data.find(b'moov') < data.find(b'mdat')


async def test_a_120_fps_clip_converted_for_instagram_passes_its_checks_and_tiktok_still_gets_the_original(
        author, tmp_path):
    listed('instagram', 'tiktok', 'youtube')
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(360, 640), frames=480, fps=120, sound='aac',
                                                 name='slow-motion.mp4'), author.id)
    original_bytes = media_path(clip).read_bytes()
    assert conversions.needs_conversion(clip, 'instagram') and not conversions.needs_conversion(clip, 'youtube')

    done = await finished(await conversions.start(clip.id, 'instagram', author))

    assert (done.status, done.progress) == (ConversionStatus.DONE, 1.0)
    [copy] = variants.variants_of(clip.id)
    probed = probe(media_path(copy))
    assert (probed.kind.ext, probed.video_codec, probed.audio_codec, probed.frame_rate) == ('mp4', 'h264', 'aac', 60)
    assert probed.duration_s == pytest.approx(4, abs=0.1) and faststart(media_path(copy))
    assert (copy.original_name, copy.variant_for) == ('slow-motion (Instagram).mp4', 'instagram')
    assert media_path(clip).read_bytes() == original_bytes
    assert problems_on([clip.id], ['instagram', 'tiktok', 'youtube']) == \
        {'instagram': set(), 'tiktok': {FRAME_RATE}, 'youtube': set()}
    assert [(entry.asset.id, entry.converted_for) for entry in catalogue.list_media()] == [(clip.id, ['instagram'])]


async def test_a_vp9_webm_converted_for_telegram_becomes_an_mp4_it_plays(author, tmp_path):
    listed('telegram')
    clip = await stored(media_samples.make_video(tmp_path, 'webm', size=(64, 48), frames=24, fps=24,
                                                 sound='libopus', name='screen.webm'))

    await finished(await conversions.start(clip.id, 'telegram', author))

    assert problems_on([clip.id], ['telegram']) == {'telegram': set()}
    [copy] = variants.variants_of(clip.id)
    assert (copy.mime_type, copy.video_codec, copy.audio_codec) == ('video/mp4', 'h264', 'aac')


async def test_a_png_with_transparency_converted_for_instagram_is_a_jpeg_with_a_white_background(author, tmp_path):
    listed('instagram')
    logo_path = tmp_path / 'logo.png'
    Image.new('RGBA', (400, 400), (200, 30, 30, 0)).save(logo_path)
    logo = await stored(logo_path)
    assert conversions.needs_conversion(logo, 'instagram')

    await finished(await conversions.start(logo.id, 'instagram', author))

    [copy] = variants.variants_of(logo.id)
    assert (copy.mime_type, copy.has_alpha, copy.original_name) == ('image/jpeg', False, 'logo (Instagram).jpg')
    with Image.open(media_path(copy)) as picture:
        assert picture.getpixel((10, 10)) == (255, 255, 255)
    assert problems_on([logo.id], ['instagram']) == {'instagram': set()}


async def under_way(conversion_id: int) -> int:
    """The pid of the worker process once it has taken the conversion up."""
    for _ in range(600):
        row = conversions.get(conversion_id)
        host, _, pid = (row.worker or '').rpartition(':')
        if row.status == ConversionStatus.RUNNING and int(pid or 0) not in (0, os.getpid()):
            return int(pid)
        await asyncio.sleep(0.02)
    raise AssertionError('no worker took the conversion up')


async def test_a_gif_converted_for_instagram_is_a_jpeg_of_its_first_frame_that_passes_the_checks(author, tmp_path):
    listed('instagram', 'telegram')
    gif = await stored(media_samples.make_image(tmp_path, 'gif', size=(400, 400), name='party.gif'))
    assert conversions.needs_conversion(gif, 'instagram') and not conversions.needs_conversion(gif, 'telegram')

    await finished(await conversions.start(gif.id, 'instagram', author))

    [copy] = variants.variants_of(gif.id)
    assert (copy.mime_type, copy.original_name, copy.width, copy.height) == \
        ('image/jpeg', 'party (Instagram).jpg', 400, 400)
    assert probe(media_path(copy)).kind.ext == 'jpg'
    assert problems_on([gif.id], ['instagram', 'telegram']) == {'instagram': set(), 'telegram': set()}


async def test_a_cancelled_conversion_leaves_the_original_alone_and_no_file_behind(author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(640, 360), frames=480, fps=120,
                                                 name='slow-motion.mp4'))
    before = uploads()
    conversion_id = await conversions.start(clip.id, 'instagram', author)
    await under_way(conversion_id)

    conversions.cancel(conversion_id, author)  # the user clicks Cancel while it runs

    done = await finished(conversion_id)
    assert done.status == ConversionStatus.CANCELLED and variants.variants_of(clip.id) == []
    assert uploads() == before


async def test_a_worker_killed_mid_way_leaves_no_half_file_and_the_conversion_can_be_started_again(author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(1280, 720), frames=480, fps=120,
                                                 name='slow-motion.mp4'))
    before = uploads()
    conversion_id = await conversions.start(clip.id, 'instagram', author)

    os.kill(await under_way(conversion_id), signal.SIGKILL)

    done = await finished(conversion_id)
    assert done.status == ConversionStatus.INTERRUPTED and variants.variants_of(clip.id) == []
    assert uploads() == before
    done = await finished(await conversions.start(clip.id, 'instagram', author))
    assert done.status == ConversionStatus.DONE and len(variants.variants_of(clip.id)) == 1


# An app that starts the worker and is then killed: it passes the job on as its own (the worker stops when its
# app is gone) and prints the worker's pid.
STAND_IN_APP = """
import dataclasses, os, pickle, subprocess, sys, time
job = dataclasses.replace(pickle.load(sys.stdin.buffer), app_pid=os.getpid())
worker = subprocess.Popen([sys.executable, '-m', 'services.media.conversion_worker'], stdin=subprocess.PIPE)
worker.stdin.write(pickle.dumps(job))
worker.stdin.close()
print(worker.pid, flush=True)
time.sleep(600)
"""


async def test_a_worker_whose_app_is_killed_after_it_began_writing_removes_its_half_file(author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(1280, 720), frames=480, fps=120,
                                                 name='slow-motion.mp4'))
    before = uploads()
    with db.session() as session:
        row = MediaConversion(media_id=clip.id, platform='instagram', status=ConversionStatus.RUNNING,
                              worker=worker_name())
        session.add(row)
        session.flush()
        conversion_id = row.id
    incoming = get_settings().uploads_dir / '.incoming-0123456789abcdef'
    spec = registry.find('instagram')
    job = Job(get_settings(), conversion_id, spec.converts_to, spec.label, incoming, 0)
    app = subprocess.Popen([sys.executable, '-c', STAND_IN_APP], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           cwd=conversions.PROJECT_DIR)
    app.stdin.write(pickle.dumps(job))
    app.stdin.close()
    worker = int(app.stdout.readline())
    for _ in range(600):
        if incoming.exists() and incoming.stat().st_size:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError('the worker wrote nothing')

    app.kill()  # while its worker writes the result
    app.wait()

    for _ in range(600):
        if not os.path.exists(f'/proc/{worker}') or ' Z ' in Path(f'/proc/{worker}/stat').read_text():
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError('the worker went on without its app')
    assert conversions.get(conversion_id).status == ConversionStatus.INTERRUPTED
    assert uploads() == before


async def test_a_conversion_cut_off_by_an_app_crash_shows_as_interrupted_at_the_next_start_and_leaves_no_file(
        author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(360, 640), frames=240, fps=120,
                                                 name='slow-motion.mp4'))
    before = uploads()
    gone = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'], capture_output=True, text=True)
    with db.session() as session:  # what an app killed mid-way leaves: its row running, a part-written file
        session.add(MediaConversion(media_id=clip.id, platform='instagram', status=ConversionStatus.RUNNING,
                                    progress=0.4, worker=worker_name(int(gone.stdout))))
    half = get_settings().uploads_dir / '.incoming-0123456789abcdef'
    half.write_bytes(b'\x00\x00\x00\x18ftypisom' * 100)
    long_ago = time.time() - cleanup.LEFTOVER_AGE.total_seconds() - 60
    os.utime(half, (long_ago, long_ago))

    assert conversions.mark_interrupted() == 1 and cleanup.sweep_leftovers() == 1  # what the next start does

    assert uploads() == before
    [row] = conversions.of_media([clip.id]).values()
    assert row.status == ConversionStatus.INTERRUPTED
    done = await finished(await conversions.start(clip.id, 'instagram', author))
    assert done.status == ConversionStatus.DONE and len(variants.variants_of(clip.id)) == 1


async def test_a_conversion_another_live_process_runs_is_left_alone_at_start(author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', name='clip.mp4'))
    with db.session() as session:
        session.add(MediaConversion(media_id=clip.id, platform='instagram', status=ConversionStatus.RUNNING,
                                    worker=worker_name(os.getppid())))

    assert conversions.mark_interrupted() == 0
    assert [row.status for row in conversions.of_media([clip.id]).values()] == [ConversionStatus.RUNNING]


async def test_instagram_receives_the_converted_copy_and_youtube_the_original(tmp_path):
    with FourFakes() as fakes:
        settings = boot(**fakes.environ())
        author = first_admin('author')
        for platform in ('instagram', 'youtube'):
            connected(platform)
        clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(360, 640), frames=480, fps=120,
                                                     sound='aac', name='slow-motion.mp4'), author.id)
        await finished(await conversions.start(clip.id, 'instagram', author))
        [copy] = variants.variants_of(clip.id)
        post = editing.save_post(author.id, PostInput('Fast and slow', [clip.id], channels_of(['instagram', 'youtube']),
                                                      {'youtube': {'title': 'Fast', 'privacy': 'private'}}),
                                 SaveAction.PUBLISH)

        await engine.init_engine(settings).publish_post(post.id)

        assert [(pull.status, pull.size) for pull in fakes.instagram.pulls] == [(200, copy.size_bytes)]
        assert [video.sha256 for video in fakes.youtube.videos] == \
            [hashlib.sha256(media_path(clip).read_bytes()).hexdigest()]
        await stop_services()


async def test_deleting_the_original_deletes_its_converted_copies_and_the_sweep_never_takes_a_copy_alone(
        author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'webm', name='screen.webm'))
    await finished(await conversions.start(clip.id, 'telegram', author))
    assert len(uploads()) == 4  # the clip, the copy and a poster each

    assert cleanup.delete_unused_media(older_than=timedelta(0)) == 1

    assert uploads() == []
    with db.session() as session:
        assert list(session.exec(select(MediaAsset))) == []


async def test_a_phone_portrait_clip_stays_upright_when_converted(author, tmp_path):
    # stored lying down (640×360) with the display rotation a phone writes: shown 360×640
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(640, 360), frames=96, fps=120,
                                                 rotation=-90, name='portrait.mp4'))
    assert (clip.width, clip.height) == (360, 640)

    await finished(await conversions.start(clip.id, 'tiktok', author))

    [copy] = variants.variants_of(clip.id)
    assert (copy.width, copy.height, copy.frame_rate) == (360, 640, 60)


@pytest.mark.parametrize(('framing', 'size'), [('fit', (576, 720)), ('crop', (240, 300))])
async def test_a_one_to_three_portrait_clip_in_an_instagram_carousel_is_fitted_with_bars_or_cropped_as_chosen(
        author, tmp_path, framing, size):
    listed('instagram', 'tiktok')
    tall = await stored(media_samples.make_video(tmp_path, 'mp4', size=(240, 720), frames=72, fps=24, sound='aac',
                                                 name='tall.mp4'))
    photo = await stored(media_samples.make_image(tmp_path, 'jpg', size=(400, 400)))
    assert conversions.needs_framing(tall, 'instagram', in_carousel=True)
    assert not conversions.needs_framing(tall, 'instagram') and not conversions.needs_conversion(tall, 'instagram')

    await finished(await conversions.start(tall.id, 'instagram', author, framing=framing))

    [copy] = variants.variants_of(tall.id)
    probed = probe(media_path(copy))
    assert (probed.width, probed.height) == size  # 4:5, the tallest a carousel video may be
    assert problems_on([tall.id, photo.id], ['instagram']) == {'instagram': set()}
    with av.open(str(media_path(copy))) as clip:
        picture = next(clip.decode(video=0)).to_image().convert('L')
    middle = size[1] // 2
    edges_black = max(picture.getpixel((x, middle)) for x in (0, 3, size[0] - 4, size[0] - 1)) < 24
    assert edges_black == (framing == 'fit')  # bars at the sides, or the picture to the edges
