"""Rules about the files themselves (container, codecs, frame rate, size in pixels and bytes, length), made to
measure for each platform's `rules.py` from the figures of its own docs.

A rule judges only what the probe knew: a fact that is None (a file stored before the probe read it, or a post
checked from figures alone) passes. Each problem names the file (%(file)s), what the platform takes and what the
file has, beside %(platform)s, which `check_post` fills with the channel's name.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from services.core.i18n import N_
from services.platforms.spec import MediaFacts, Problem

MB = 1024 * 1024
CONTAINER_NAMES = {'video/mp4': 'MP4', 'video/quicktime': 'MOV', 'video/webm': 'WebM'}
CODEC_NAMES = {'h264': 'H.264', 'hevc': 'HEVC (H.265)', 'vp8': 'VP8', 'vp9': 'VP9', 'av1': 'AV1', 'aac': 'AAC',
               'opus': 'Opus', 'vorbis': 'Vorbis', 'mp3': 'MP3', 'mpeg4': 'MPEG-4 Part 2'}

Check = Callable[[str, Sequence[MediaFacts], Mapping[str, Any]], Problem | None]
Applies = Callable[[MediaFacts, Sequence[MediaFacts]], bool]  # (the file, every file of the post) → judged?


def videos(item: MediaFacts, _media: Sequence[MediaFacts]) -> bool:
    return item.is_video


def photos(item: MediaFacts, _media: Sequence[MediaFacts]) -> bool:
    return not item.is_video


def carousel_videos(item: MediaFacts, media: Sequence[MediaFacts]) -> bool:
    return item.is_video and len(media) > 1


def codec_name(codec: str) -> str:
    """A codec as people know it (FFmpeg's name when it has no better one)."""
    return CODEC_NAMES.get(codec, codec.upper())


def _first(media: Sequence[MediaFacts], applies: Applies, breaks: Callable[[MediaFacts], bool]) -> MediaFacts | None:
    return next((item for item in media if applies(item, media) and breaks(item)), None)


def container_name(mime_type: str) -> str:
    """A video's container as people know it ('MP4' for video/mp4)."""
    return CONTAINER_NAMES.get(mime_type, mime_type)


def _one_of(allowed: Collection[str], fact: Callable[[MediaFacts], str | None], name: Callable[[str], str],
            message: str) -> Check:
    """Videos whose `fact` is known must have one of the `allowed` values. `message` says what %(platform)s takes
    (%(allowed)s) and what %(file)s has (%(found)s), each value as people know it (`name`)."""
    def check(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
        item = _first(media, videos, lambda item: fact(item) is not None and fact(item) not in allowed)
        if item is None:
            return None
        return Problem(message, {'allowed': ', '.join(name(value) for value in allowed), 'file': item.name,
                                 'found': name(fact(item) or '')})
    return check


def containers(allowed: Collection[str]) -> Check:
    """Videos must come in one of the `allowed` MIME types (video/mp4, video/quicktime, video/webm)."""
    return _one_of(allowed, lambda item: item.mime_type, container_name,
                   N_('%(platform)s takes %(allowed)s videos; %(file)s is %(found)s.'))


def video_codecs(allowed: Collection[str]) -> Check:
    """Videos must be encoded with one of the `allowed` codecs (FFmpeg's names)."""
    return _one_of(allowed, lambda item: item.video_codec, codec_name,
                   N_('%(platform)s takes videos encoded as %(allowed)s; %(file)s is %(found)s.'))


def audio_codecs(allowed: Collection[str]) -> Check:
    """A video's sound, when it has any, must be encoded with one of the `allowed` codecs."""
    return _one_of(allowed, lambda item: item.audio_codec, codec_name,
                   N_('%(platform)s takes sound encoded as %(allowed)s; %(file)s has %(found)s.'))


def frame_rate(lowest: float, highest: float) -> Check:
    """Videos must play `lowest` to `highest` frames per second."""
    def check(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
        item = _first(media, videos, lambda item: item.frame_rate is not None
                      and not lowest - 0.5 <= item.frame_rate <= highest + 0.5)  # 23.976 counts as 24
        if item is None:
            return None
        return Problem(N_('%(platform)s takes videos of %(min)s to %(max)s frames per second; %(file)s has %(found)s.'),
                       {'min': f'{lowest:g}', 'max': f'{highest:g}', 'file': item.name,
                        'found': f'{item.frame_rate:.3g}'})
    return check


def sides(smallest: int, largest: int, applies: Applies = videos) -> Check:
    """Each side of a video must measure `smallest` to `largest` pixels."""
    def check(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
        item = _first(media, applies, lambda item: item.width is not None and item.height is not None
                      and not smallest <= min(item.width, item.height) <= max(item.width, item.height) <= largest)
        if item is None:
            return None
        return Problem(N_('%(platform)s takes videos from %(min)s to %(max)s pixels on each side; %(file)s is '
                          '%(found)s.'), {'min': smallest, 'max': largest, 'file': item.name,
                                          'found': f'{item.width}×{item.height}'})
    return check


def widest(largest: int) -> Check:
    """Videos may be at most `largest` pixels wide."""
    def check(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
        item = _first(media, videos, lambda item: item.width is not None and item.width > largest)
        if item is None:
            return None
        return Problem(N_('%(platform)s takes videos at most %(limit)s pixels wide; %(file)s is %(found)s.'),
                       {'limit': largest, 'file': item.name, 'found': f'{item.width}×{item.height}'})
    return check


def aspect(lowest: tuple[int, int], highest: tuple[int, int], applies: Applies = videos) -> Check:
    """Width to height must lie between `lowest` and `highest` (each as width, height: (4, 5) is 4:5)."""
    low, high = lowest[0] / lowest[1], highest[0] / highest[1]

    def check(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
        item = _first(media, applies, lambda item: bool(item.width and item.height)
                      and not low - 0.005 <= item.width / item.height <= high + 0.005)
        if item is None:
            return None
        return Problem(N_('%(platform)s takes videos from %(min)s (tall) to %(max)s (wide); %(file)s is %(found)s.'),
                       {'min': f'{lowest[0]}:{lowest[1]}', 'max': f'{highest[0]}:{highest[1]}', 'file': item.name,
                        'found': f'{item.width}×{item.height}'})
    return check


def bit_rate(highest_mbit: float) -> Check:
    """Videos may carry at most `highest_mbit` megabits per second."""
    def check(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
        item = _first(media, videos, lambda item: item.bit_rate is not None and item.bit_rate > highest_mbit * 1e6)
        if item is None:
            return None
        return Problem(N_('%(platform)s takes videos of at most %(limit)s Mbit/s; %(file)s has %(found)s.'),
                       {'limit': f'{highest_mbit:g}', 'file': item.name, 'found': f'{(item.bit_rate or 0) / 1e6:.1f}'})
    return check


def file_size(limit_bytes: int, applies: Applies) -> Check:
    """Each file `applies` picks may be at most `limit_bytes` long."""
    def check(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
        item = _first(media, applies, lambda item: item.size_bytes > limit_bytes)
        if item is None:
            return None
        return Problem(N_('%(platform)s takes files of at most %(limit)s MB; %(file)s has %(found)s MB.'),
                       {'limit': limit_bytes // MB, 'file': item.name, 'found': f'{item.size_bytes / MB:.1f}'})
    return check


def duration(shortest: float, longest: float | Callable[[Mapping[str, Any]], float]) -> Check:
    """Videos must last `shortest` to `longest` seconds (`longest` may be read from the post's options, e.g. the
    account's own limit)."""
    def check(_text: str, media: Sequence[MediaFacts], options: Mapping[str, Any]) -> Problem | None:
        top = longest(options) if callable(longest) else longest
        item = _first(media, videos, lambda item: item.duration_s is not None
                      and not shortest <= item.duration_s <= top)
        if item is None:
            return None
        message = N_('%(platform)s takes videos of %(min)s to %(max)s seconds; %(file)s lasts %(found)s.') \
            if shortest else N_('%(platform)s takes videos of up to %(max)s seconds; %(file)s lasts %(found)s.')
        return Problem(message, {'min': f'{shortest:g}', 'max': f'{top:g}', 'file': item.name,
                                 'found': f'{item.duration_s:g}'})
    return check
