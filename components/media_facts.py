"""How a stored photo or video is described in a line: its kind and format, size, dimensions, length, codecs."""
from __future__ import annotations

from components.media_strip import duration_label
from components.translate import _, current_language
from services.core.i18n import format_number
from services.core.models import MediaAsset
from services.platforms.media_rules import CODEC_NAMES, codec_name

KB, MB = 1024, 1024 * 1024
LTR_START, LTR_END = '\u2066', '\u2069'  # width × height reads left to right on an Arabic page too
FORMAT_NAMES = {'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WebP', 'image/gif': 'GIF',
                'video/mp4': 'MP4', 'video/quicktime': 'MOV', 'video/webm': 'WebM'}


def is_video(asset: MediaAsset) -> bool:
    return asset.mime_type.startswith('video/')


def kind_label(asset: MediaAsset) -> str:
    """"Video · MP4" or "Photo · PNG"."""
    kind = _('Video') if is_video(asset) else _('Photo')
    return f'{kind} · {FORMAT_NAMES.get(asset.mime_type, asset.mime_type)}'


def size_label(size_bytes: int) -> str:
    language = current_language()
    if size_bytes < MB:
        return _('%(size)s KB', size=format_number(language, round(size_bytes / KB, 1)))
    return _('%(size)s MB', size=format_number(language, round(size_bytes / MB, 1)))


def details(asset: MediaAsset) -> list[str]:
    """The facts worth a glance, in order: size, dimensions, length, then a video's codecs and frame rate."""
    found = [size_label(asset.size_bytes)]
    if asset.width and asset.height:
        found.append(f'{LTR_START}{asset.width} × {asset.height}{LTR_END}')
    if asset.duration_s is not None:
        found.append(f'{LTR_START}{duration_label(asset.duration_s)}{LTR_END}')
    if asset.video_codec:
        sound = codec_name(asset.audio_codec) if asset.audio_codec else _('no sound')
        found.append(f'{CODEC_NAMES.get(asset.video_codec, codec_name(asset.video_codec))} · {sound}')
    if asset.frame_rate:
        found.append(_('%(rate)s fps', rate=format_number(current_language(), round(asset.frame_rate, 2))))
    return found
