"""Every post rule of every platform, from a table: a post that meets it and one that breaks it, and what the user is
told then — the platform's name and the limit."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from services.core import i18n
from services.platforms import registry
from services.platforms.spec import MediaFacts
from services.posts.checks import Target, check_post

MB = 1024 * 1024
BUILT_IN = ('telegram', 'instagram', 'youtube', 'tiktok')


def photo(size: int = MB, width: int = 1080, height: int = 1080, mime: str = 'image/jpeg') -> MediaFacts:
    return MediaFacts(mime, size, width, height)


def video(size: int = 10 * MB, seconds: float = 10.0, **probed: Any) -> MediaFacts:
    facts = MediaFacts('video/mp4', size, 1080, 1920, seconds, name='clip.mp4', video_codec='h264', audio_codec='aac',
                       frame_rate=30, bit_rate=8_000_000)
    return replace(facts, **probed)


@dataclass(frozen=True)
class Post:
    text: str = 'Hello'
    media: tuple[MediaFacts, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


def tags(count: int, mark: str) -> str:
    return ' '.join(f'{mark}word{n}' for n in range(count))


TITLED = {'title': 'A walk'}
CASES = {  # (platform, rule): (a post that meets it, one that breaks it)
    ('telegram', 'caption'): (Post('x' * 1024, (photo(),)), Post('x' * 1025, (photo(),))),
    ('telegram', 'message'): (Post('a' * 4094 + '😀'), Post('a' * 4095 + '😀')),  # UTF-16 units
    ('telegram', 'album'): (Post(media=(photo(),) * 10), Post(media=(photo(),) * 11)),
    ('telegram', 'photo size'): (Post(media=(photo(10 * MB),)), Post(media=(photo(10 * MB + 1),))),
    ('telegram', 'video size'): (Post(media=(video(50 * MB),)), Post(media=(video(50 * MB + 1),))),
    ('telegram', 'photo shape'): (Post(media=(photo(width=5000, height=5000),)),
                                  Post(media=(photo(width=2100, height=100),))),
    ('telegram', 'video type'): (Post(media=(video(mime_type='video/quicktime'),)),
                                 Post(media=(video(mime_type='video/webm', video_codec='vp9'),))),
    ('instagram', 'needs media'): (Post(media=(photo(),)), Post()),
    ('instagram', 'carousel'): (Post(media=(photo(),) * 10), Post(media=(photo(),) * 11)),
    ('instagram', 'caption'): (Post('é' * 2200, (photo(),)), Post('é' * 2201, (photo(),))),  # characters
    ('instagram', 'hashtags'): (Post(tags(30, '#'), (photo(),)), Post(tags(31, '#'), (photo(),))),
    ('instagram', 'mentions'): (Post(tags(20, '@'), (photo(),)), Post(tags(21, '@'), (photo(),))),
    ('instagram', 'no GIF'): (Post(media=(photo(mime='image/png'),)), Post(media=(photo(mime='image/gif'),))),
    ('instagram', 'aspect ratio'): (Post(media=(photo(width=1080, height=1350),)),
                                    Post(media=(photo(width=1080, height=1400),))),
    ('instagram', 'reel length'): (Post(media=(video(seconds=900),)), Post(media=(video(seconds=901),))),
    ('instagram', 'photo transparency'): (Post(media=(replace(photo(mime='image/png'), has_alpha=False),)),
                                          Post(media=(replace(photo(mime='image/png'), has_alpha=True),))),
    ('instagram', 'video type'): (Post(media=(video(mime_type='video/quicktime'),)),
                                  Post(media=(video(mime_type='video/webm'),))),
    ('instagram', 'video codec'): (Post(media=(video(video_codec='hevc'),)), Post(media=(video(video_codec='vp9'),))),
    ('instagram', 'sound codec'): (Post(media=(video(audio_codec=None),)), Post(media=(video(audio_codec='opus'),))),
    ('instagram', 'frame rate'): (Post(media=(video(frame_rate=23.976),)), Post(media=(video(frame_rate=120),))),
    ('instagram', 'video width'): (Post(media=(video(width=1920, height=1080),)),
                                   Post(media=(video(width=3840, height=2160),))),
    ('instagram', 'video bit rate'): (Post(media=(video(bit_rate=25_000_000),)),
                                      Post(media=(video(bit_rate=40_000_000),))),
    ('instagram', 'video size'): (Post(media=(video(300 * MB),)), Post(media=(video(300 * MB + 1),))),
    ('instagram', 'carousel video aspect'): (Post(media=(video(width=1080, height=1350), photo())),
                                             Post(media=(video(width=1080, height=1920), photo()))),
    ('youtube', 'one video'): (Post(media=(video(),), options=TITLED), Post(media=(photo(),), options=TITLED)),
    ('youtube', 'title given'): (Post(options=TITLED), Post(options={'title': '   '})),
    ('youtube', 'title length'): (Post(options={'title': 'x' * 100}), Post(options={'title': 'x' * 101})),
    ('youtube', 'title brackets'): (Post(options={'title': 'A to B'}), Post(options={'title': 'A > B'})),
    ('youtube', 'description size'): (Post('é' * 2500), Post('é' * 2500 + 'x')),  # bytes
    ('youtube', 'description brackets'): (Post('Fish and chips'), Post('Fish <and> chips')),
    ('tiktok', 'no photos'): (Post(media=(video(),)), Post(media=(video(), photo()))),
    ('tiktok', 'one video'): (Post(media=(video(),)), Post(media=(video(), video()))),
    ('tiktok', 'caption'): (Post('a' * 2198 + '😀'), Post('a' * 2199 + '😀')),  # UTF-16 units
    ('tiktok', 'duration'): (Post(media=(video(seconds=600),)), Post(media=(video(seconds=601),))),
    ('tiktok', 'video type'): (Post(media=(video(mime_type='video/webm', video_codec='vp9'),)),
                               Post(media=(video(mime_type='video/x-matroska'),))),
    ('tiktok', 'video codec'): (Post(media=(video(video_codec='vp8'),)), Post(media=(video(video_codec='av1'),))),
    ('tiktok', 'frame rate'): (Post(media=(video(frame_rate=60),)), Post(media=(video(frame_rate=12),))),
    ('tiktok', 'video sides'): (Post(media=(video(width=360, height=640),)),
                                Post(media=(video(width=320, height=640),))),
    ('tiktok', 'video size'): (Post(media=(video(4096 * MB),)), Post(media=(video(4096 * MB + 1),))),
}


def test_every_rule_of_every_platform_is_in_the_table():
    rules = {(name, rule.name) for name in BUILT_IN for rule in registry.get(name).rules}
    assert rules == set(CASES)


@pytest.mark.parametrize(('platform', 'rule_name'), list(CASES), ids=[f'{p}: {r}' for p, r in CASES])
@pytest.mark.parametrize('language', ['en', 'ar'])
def test_rule_lets_a_post_within_it_pass_and_names_the_channel_and_limit_when_broken(platform, rule_name, language):
    spec = registry.get(platform)
    [rule] = [rule for rule in spec.rules if rule.name == rule_name]
    meets, breaks = CASES[(platform, rule_name)]

    assert rule.check(meets.text, meets.media, meets.options) is None
    broken = rule.check(breaks.text, breaks.media, breaks.options)
    assert broken is not None

    found = check_post([Target(platform, f'{spec.label} · News', breaks.text, list(breaks.media), breaks.options, 7)])
    [problem] = [problem for problem in found if problem.message == broken.message]
    assert (problem.platform, problem.channel) == (platform, 7)
    told = i18n.translate(language, problem.message, **problem.params)
    assert f'{spec.label} · News' in told
    if isinstance(rule.limit, int) or (rule.limit is not None and language == 'en'):  # words are translated
        assert str(rule.limit) in told


def test_an_account_that_may_post_shorter_videos_is_held_to_its_own_limit():
    found = check_post([Target('tiktok', 'TikTok', 'Clip', [video(seconds=61)], {'max_duration_s': 60})])
    assert [i18n.translate('en', p.message, **p.params) for p in found] == \
        ['TikTok takes videos of up to 60 seconds; clip.mp4 lasts 61.']
