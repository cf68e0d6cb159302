"""Each platform's rules read real files: clips and pictures made here with PyAV and Pillow, stored as uploads are,
probed, and checked for the four channels. Each gets the problem its platform's docs give, on that channel only,
naming the channel, the rule and the file; the save refuses it."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from services.core import db, i18n
from services.core.models import MediaAsset
from services.media import library
from services.platforms.spec import Problem
from services.posts import editing
from services.posts.editing import PostInput, PostRefused, SaveAction
from tests import media_samples
from tests.harness import boot
from tests.harness.builders import channels_of, first_admin, listed

PLATFORMS = ('telegram', 'instagram', 'youtube', 'tiktok')
OPTIONS = {'youtube': {'title': 'A clip', 'privacy': 'private'}, 'tiktok': {'privacy': 'SELF_ONLY'}}
# what a single photo always meets on these two, whatever the file: not the subject here
PHOTO_EVERYWHERE = {'youtube': {'%(platform)s needs exactly one video and nothing else.'},
                    'tiktok': {'%(platform)s takes photos only from public web addresses; post one video here.'}}


@pytest.fixture
def author():
    boot()
    listed(*PLATFORMS)
    return first_admin('author')


async def stored(path: Path) -> MediaAsset:
    async def chunks():
        yield path.read_bytes()

    return await library.store_upload(chunks(), path.name, uploaded_by=None)


def problems(asset_ids: list[int]) -> list[Problem]:
    """What a post with these files, to one channel of each platform, meets."""
    with db.session() as session:
        assets = [session.get(MediaAsset, asset_id) for asset_id in asset_ids]
    data = PostInput('A walk by the sea', asset_ids, channels_of(PLATFORMS), OPTIONS)
    return editing.problems_for(data, assets, SaveAction.PUBLISH)


def problems_by_platform(asset_ids: list[int]) -> dict[str, set[str]]:
    """The msgid of each problem the post with these files meets, by platform."""
    found: dict[str, set[str]] = {platform: set() for platform in PLATFORMS}
    for problem in problems(asset_ids):
        found[problem.platform].add(problem.message)
    return found


def told(asset_ids: list[int], platform: str, language: str = 'en') -> list[str]:
    return [i18n.translate(language, problem.message, **problem.params) for problem in problems(asset_ids)
            if problem.platform == platform]


FRAME_RATE = '%(platform)s takes videos of %(min)s to %(max)s frames per second; %(file)s has %(found)s.'
CONTAINER = '%(platform)s takes %(allowed)s videos; %(file)s is %(found)s.'
CODEC = '%(platform)s takes videos encoded as %(allowed)s; %(file)s is %(found)s.'
SOUND = '%(platform)s takes sound encoded as %(allowed)s; %(file)s has %(found)s.'
SIDES = '%(platform)s takes videos from %(min)s to %(max)s pixels on each side; %(file)s is %(found)s.'
RANGE = '%(platform)s takes videos of %(min)s to %(max)s seconds; %(file)s lasts %(found)s.'
UP_TO = '%(platform)s takes videos of up to %(max)s seconds; %(file)s lasts %(found)s.'
ASPECT = '%(platform)s takes videos from %(min)s (tall) to %(max)s (wide); %(file)s is %(found)s.'
TRANSPARENT = ('%(platform)s takes JPEG photos only, which cannot be see-through: %(file)s has transparent parts. '
               'Save it without transparency, or as a JPEG.')
NO_GIF = '%(platform)s does not take GIF images. Use a JPEG, PNG or WebP.'


async def test_a_clip_every_platform_takes_meets_no_problem(author, tmp_path):
    clip = await stored(media_samples.make_clip_for_every_platform(tmp_path))

    assert problems_by_platform([clip.id]) == {platform: set() for platform in PLATFORMS}
    assert (clip.video_codec, clip.audio_codec, clip.frame_rate, clip.width, clip.height) == \
        ('h264', None, 24, 360, 640)


async def test_a_120_fps_clip_is_refused_by_instagram_and_tiktok_only(author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(360, 640), frames=480, fps=120, sound='aac',
                                                 name='slow-motion.mp4'))

    assert problems_by_platform([clip.id]) == {'telegram': set(), 'youtube': set(),
                                               'instagram': {FRAME_RATE}, 'tiktok': {FRAME_RATE}}
    assert told([clip.id], 'instagram') == \
        ['Instagram · @instagram-team takes videos of 23 to 60 frames per second; slow-motion.mp4 has 120.']


async def test_a_vp9_webm_is_refused_by_instagram_and_telegram_but_taken_by_tiktok_and_youtube(author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'webm', size=(360, 640), frames=96, fps=24,
                                                 sound='libopus', name='screen.webm'))

    assert problems_by_platform([clip.id]) == {'telegram': {CONTAINER}, 'youtube': set(), 'tiktok': set(),
                                               'instagram': {CONTAINER, CODEC, SOUND}}
    assert told([clip.id], 'instagram') == [
        'Instagram · @instagram-team takes MP4, MOV videos; screen.webm is WebM.',
        'Instagram · @instagram-team takes videos encoded as H.264, HEVC (H.265); screen.webm is VP9.',
        'Instagram · @instagram-team takes sound encoded as AAC; screen.webm has Opus.',
    ]


async def test_a_one_to_three_portrait_clip_is_a_reel_alone_but_refused_in_an_instagram_carousel(author, tmp_path):
    tall = await stored(media_samples.make_video(tmp_path, 'mp4', size=(360, 1080), frames=72, fps=24,
                                                 name='tall.mp4'))
    photo = await stored(media_samples.make_image(tmp_path, 'jpg', size=(400, 400)))

    assert problems_by_platform([tall.id]) == {platform: set() for platform in PLATFORMS}
    carousel = problems_by_platform([tall.id, photo.id])
    assert [platform for platform, found in carousel.items() if ASPECT in found] == ['instagram']
    assert told([tall.id, photo.id], 'instagram') == \
        ['Instagram · @instagram-team takes videos from 4:5 (tall) to 16:9 (wide); tall.mp4 is 360×1080.']


async def test_a_clip_shorter_than_three_seconds_is_refused_by_instagram_only(author, tmp_path):
    short = await stored(media_samples.make_video(tmp_path, 'mp4', size=(360, 640), frames=48, fps=24,
                                                  name='short.mp4'))
    four = await stored(media_samples.make_video(tmp_path, 'mp4', size=(360, 640), frames=96, fps=24,
                                                 name='four.mp4'))

    assert problems_by_platform([short.id]) == {'telegram': set(), 'youtube': set(), 'tiktok': set(),
                                                'instagram': {RANGE}}
    assert problems_by_platform([four.id]) == {platform: set() for platform in PLATFORMS}
    assert four.duration_s == pytest.approx(4, abs=0.05)


async def test_a_sixteen_minute_clip_is_too_long_for_instagram_and_tiktok_only(author, tmp_path):
    # 16×16 pixels so that 23,040 frames take seconds to make; TikTok also finds it too small, said once
    long = await stored(media_samples.make_video(tmp_path, 'mp4', size=(16, 16), frames=16 * 60 * 24, fps=24,
                                                 name='lecture.mp4'))

    found = problems_by_platform([long.id])
    assert found == {'telegram': set(), 'youtube': set(), 'instagram': {RANGE}, 'tiktok': {UP_TO, SIDES}}
    assert told([long.id], 'tiktok') == [
        'TikTok · @tiktok-team takes videos of up to 600 seconds; lecture.mp4 lasts 960.',
        'TikTok · @tiktok-team takes videos from 360 to 4096 pixels on each side; lecture.mp4 is 16×16.',
    ]


async def test_a_png_with_transparency_is_refused_by_instagram_only_and_an_opaque_one_is_not(author, tmp_path):
    see_through = tmp_path / 'logo.png'
    Image.new('RGBA', (400, 400), (200, 30, 30, 0)).save(see_through)
    opaque = tmp_path / 'flat.png'
    Image.new('RGBA', (400, 400), (200, 30, 30, 255)).save(opaque)
    logo, flat = await stored(see_through), await stored(opaque)

    assert problems_by_platform([logo.id]) == {'telegram': set(), 'instagram': {TRANSPARENT}, **PHOTO_EVERYWHERE}
    assert problems_by_platform([flat.id]) == {'telegram': set(), 'instagram': set(), **PHOTO_EVERYWHERE}
    assert (logo.has_alpha, flat.has_alpha) == (True, False)


async def test_a_gif_is_refused_by_instagram_only_among_the_platforms_that_take_photos(author, tmp_path):
    gif = await stored(media_samples.make_image(tmp_path, 'gif', size=(400, 400), name='party.gif'))

    assert problems_by_platform([gif.id]) == {'telegram': set(), 'instagram': {NO_GIF}, **PHOTO_EVERYWHERE}


async def test_saving_a_post_with_a_file_a_channel_refuses_is_refused_naming_channel_rule_and_file_in_arabic(
        author, tmp_path):
    clip = await stored(media_samples.make_video(tmp_path, 'mp4', size=(360, 640), frames=480, fps=120,
                                                 name='slow-motion.mp4'))
    with pytest.raises(PostRefused) as refused:
        editing.save_post(author.id, PostInput('Fast', [clip.id], channels_of(['instagram'])), SaveAction.PUBLISH)

    [problem] = refused.value.problems
    arabic = i18n.translate('ar', problem.message, **problem.params)
    assert 'Instagram · @instagram-team' in arabic and 'slow-motion.mp4' in arabic and '120' in arabic
    assert arabic != i18n.translate('en', problem.message, **problem.params)
