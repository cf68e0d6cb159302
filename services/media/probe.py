"""What an uploaded file really is: magic bytes (puremagic), confirmed by decoding it (Pillow, PyAV).

The file's name and the browser's MIME type are never asked. Blocking work: call it in a thread.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import av
    from av.container import InputContainer
    from PIL import Image

MAX_IMAGE_PIXELS = 50_000_000  # a 48-megapixel phone photo fits; decoding more would take hundreds of MB
POSTER_MAX_SIDE = 1280
# A truncated video is missing its end: its packets stop short of the duration its header declares.
MISSING_END_TOLERANCE_S, MISSING_END_TOLERANCE_SHARE = 0.5, 0.02
WEBM_CODECS = {'vp8', 'vp9', 'av1'}
ROTATING_EXIF_ORIENTATIONS = {5, 6, 7, 8}


@dataclass(frozen=True)
class Kind:
    ext: str
    mime_type: str
    pillow_format: str | None = None  # images: the only Pillow plugin allowed to open it
    demuxer: str | None = None  # videos: the only FFmpeg demuxer allowed to open it


KINDS = {kind.ext: kind for kind in (
    Kind('jpg', 'image/jpeg', pillow_format='JPEG'),
    Kind('png', 'image/png', pillow_format='PNG'),
    Kind('webp', 'image/webp', pillow_format='WEBP'),
    Kind('gif', 'image/gif', pillow_format='GIF'),
    Kind('mp4', 'video/mp4', demuxer='mp4'),
    Kind('mov', 'video/quicktime', demuxer='mov'),
    Kind('webm', 'video/webm', demuxer='webm'),
)}
KIND_BY_MIME = {kind.mime_type: kind for kind in KINDS.values()}


@dataclass(frozen=True)
class Probe:
    kind: Kind
    width: int
    height: int
    duration_s: float | None = None
    poster_jpeg: bytes | None = None  # videos: the first frame, as shown (rotation applied)
    video_codec: str | None = None  # FFmpeg's name: h264, hevc, vp8, vp9, av1, ...
    audio_codec: str | None = None  # None: no sound
    frame_rate: float | None = None
    bit_rate: int | None = None  # bits per second, the whole file
    has_alpha: bool = False  # images: some pixel is not fully opaque


class NotMedia(Exception):
    """Not one of the allowed image or video types."""


class Damaged(Exception):
    """Claims to be an allowed type but does not decode to the end."""


class TooManyPixels(Exception):
    """An image whose decoded size would be too large to handle."""


def probe(path: Path) -> Probe:
    """Detect the type of the file at `path` and measure it.

    Raises NotMedia, Damaged or TooManyPixels.
    """
    kind = _detect(path)
    return _probe_image(path, kind) if kind.pillow_format else _probe_video(path, kind)


def _detect(path: Path) -> Kind:
    """The allowed type that the magic bytes of `path` point to (not yet confirmed by decoding)."""
    import puremagic  # with Pillow, ~3 MiB: loaded at the first upload, not at start

    try:
        candidates = puremagic.magic_file(path)
    except (puremagic.PureError, ValueError):
        raise NotMedia from None
    if not candidates:
        raise NotMedia
    # Only the best-matching signatures count: a Matroska (.mkv) or AVIF file also matches weaker WebM/MP4 rules.
    best = [c for c in candidates if c.confidence == candidates[0].confidence]
    kind = next((KIND_BY_MIME[c.mime_type] for c in best if c.mime_type in KIND_BY_MIME), None)
    if kind is None:
        raise NotMedia
    if kind.ext in ('mp4', 'mov'):
        with path.open('rb') as handle:
            head = handle.read(12)
        if head[4:8] == b'ftyp':  # puremagic calls any such file MP4 first; QuickTime's major brand is 'qt  '
            kind = KINDS['mov' if head[8:12] == b'qt  ' else 'mp4']
    return kind


def _probe_image(path: Path, kind: Kind) -> Probe:
    from PIL import ExifTags, Image  # loaded at the first upload, not at start

    try:
        with Image.open(path, formats=[kind.pillow_format]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise TooManyPixels
            image.draft(image.mode, (width // 8, height // 8))  # JPEG only: decodes every byte at 1/8 the memory
            image.load()
            if getattr(image, 'n_frames', 1) > 1:
                image.seek(image.n_frames - 1)  # an animation must decode to its last frame
                image.load()
            orientation = image.getexif().get(ExifTags.Base.Orientation)
            has_alpha = _has_transparent_pixels(image)
    except (TooManyPixels, Image.DecompressionBombError):
        raise TooManyPixels from None
    except Exception:  # noqa: BLE001 - Pillow has no one error type for data it cannot decode
        raise Damaged from None
    if orientation in ROTATING_EXIF_ORIENTATIONS:
        width, height = height, width
    return Probe(kind, width, height, has_alpha=has_alpha)


def _has_transparent_pixels(image: Image.Image) -> bool:
    """Whether the (decoded) image has a pixel that is not fully opaque: an alpha channel of all 255 does not count."""
    if image.mode in ('RGBA', 'LA', 'La', 'RGBa'):
        return image.getchannel('A').getextrema()[0] < 255
    if image.mode == 'P' and 'transparency' in image.info:
        return image.convert('RGBA').getchannel('A').getextrema()[0] < 255
    return False


def _probe_video(path: Path, kind: Kind) -> Probe:
    """Reads every packet (cheap: no decoding) to find a missing end; decodes only the first frame, for the poster."""
    import av  # FFmpeg costs ~23 MiB of memory: load it when the first video arrives, not at start

    try:
        with av.open(str(path), format=kind.demuxer) as container:
            if not container.streams.video:
                raise NotMedia
            stream = container.streams.video[0]
            if kind.ext == 'webm' and stream.codec_context.codec.canonical_name not in WEBM_CODECS:
                raise NotMedia
            first_frame, start_s, end_s = _read_packets(container, stream)
            if first_frame is None or end_s <= start_s:
                raise Damaged
            declared_s = _declared_duration(container, stream)
            poster_jpeg = _poster_jpeg(first_frame)
            audio = container.streams.audio[0] if container.streams.audio else None
            video_codec = stream.codec_context.name
            audio_codec = audio.codec_context.name if audio is not None else None
            frame_rate = _frame_rate(stream)
    except (NotMedia, Damaged):
        raise
    except Exception:  # noqa: BLE001 - FFmpeg and PyAV fail in many ways on data they cannot decode
        raise Damaged from None
    measured_s = end_s - start_s
    if declared_s and declared_s - measured_s > max(MISSING_END_TOLERANCE_S, MISSING_END_TOLERANCE_SHARE * declared_s):
        raise Damaged
    width, height = first_frame.width, first_frame.height
    if abs(first_frame.rotation) == 90:
        width, height = height, width
    duration_s = round(declared_s or measured_s, 3)
    bit_rate = round(path.stat().st_size * 8 / duration_s) if duration_s else None
    return Probe(kind, width, height, duration_s, poster_jpeg, video_codec=video_codec, audio_codec=audio_codec,
                 frame_rate=frame_rate, bit_rate=bit_rate)


def _frame_rate(stream: av.VideoStream) -> float | None:
    """Frames per second as the platforms measure it: the average over the clip, else the rate the stream declares."""
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return round(float(rate), 3) if rate else None


def _poster_jpeg(frame: av.VideoFrame) -> bytes:
    """The frame as it is shown (the display rotation applied), at most POSTER_MAX_SIDE wide and high."""
    poster = frame.to_image().rotate(frame.rotation, expand=True)
    poster.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE))
    buffer = io.BytesIO()
    poster.save(buffer, 'JPEG', quality=85)
    return buffer.getvalue()


def _read_packets(container: InputContainer, stream: av.VideoStream) -> tuple[av.VideoFrame | None, float, float]:
    """Demux the whole file: (the first decoded frame, the earliest and the latest time any packet covers)."""
    first_frame = None
    start_s, end_s = float('inf'), 0.0
    for packet in container.demux():
        if packet.is_corrupt:
            raise Damaged
        if packet.size == 0 or packet.pts is None or packet.time_base is None:
            continue
        start_s = min(start_s, float(packet.pts * packet.time_base))
        end_s = max(end_s, float((packet.pts + (packet.duration or 0)) * packet.time_base))
        if first_frame is None and packet.stream.index == stream.index:
            first_frame = next(iter(packet.decode()), None)
    if first_frame is None:
        first_frame = next(iter(stream.codec_context.decode(None)), None)  # flush a decoder that buffers frames
    return first_frame, start_s, end_s


def _declared_duration(container: InputContainer, stream: av.VideoStream) -> float | None:
    if container.duration:
        import av

        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None  # e.g. a WebM recorded by a browser, written as it streamed
