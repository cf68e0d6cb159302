"""Making a file a platform takes (PyAV and Pillow): a video as H.264 + AAC in MP4 with faststart, its frame rate
and size brought within the platform's `ConversionTarget`; a photo as a JPEG within its size limit.

Blocking, CPU-heavy work: `conversion_worker` runs it in a process of its own. It writes only to `target_path`,
which the caller then moves into place: an interrupted conversion leaves at most that file, under a name the
start-up sweep removes.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from services.platforms.spec import ConversionTarget

Progress = Callable[[float], bool]  # told the share done (0-1); returns False to stop
AUDIO_RATE = 48000
JPEG_QUALITIES = (90, 82, 74, 66, 58, 50)


class Cancelled(Exception):
    """The progress callback asked to stop."""


def output_size(width: int, height: int, target: ConversionTarget) -> tuple[int, int]:
    """`width` × `height` scaled (aspect kept, even numbers, as H.264 needs) to fit `target`'s width and sides."""
    scale = 1.0
    if target.max_width and width > target.max_width:
        scale = target.max_width / width
    if target.sides:
        smallest, largest = target.sides
        scale = min(scale, largest / max(width, height))
        scale = max(scale, smallest / min(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def output_rate(rate: float | None, target: ConversionTarget) -> Fraction:
    """The frame rate of the result: the source's, within the target's range (30 when the source says none)."""
    lowest, highest = target.fps
    chosen = min(max(rate or 30.0, lowest), highest)
    return Fraction(chosen).limit_denominator(1001)


def framed_size(width: int, height: int, target: ConversionTarget, framing: str) -> tuple[int, int]:
    """The size `width` × `height` takes when brought to the nearest aspect `target` accepts: grown with bars
    (framing 'fit') or cut down (framing 'crop'); as it is when its aspect is accepted, or no framing was chosen."""
    if not framing or target.aspect is None:
        return width, height
    (low_w, low_h), (high_w, high_h) = target.aspect
    aspect = width / height
    wanted = low_w / low_h if aspect < low_w / low_h else high_w / high_h if aspect > high_w / high_h else None
    if wanted is None:
        return width, height
    too_tall = aspect < wanted
    if (framing == 'fit') == too_tall:
        return round(height * wanted), height  # wider: bars at the sides, or the sides cut off
    return width, round(width / wanted)  # taller: bars above and below, or top and bottom cut off


def convert_video(source: Path, target_path: Path, target: ConversionTarget, progress: Progress,
                  framing: str = '') -> None:
    """Write `source` as `target` wants it to `target_path`, fitted or cropped to an aspect `target` accepts when
    `framing` says so ('fit', 'crop'). Raises Cancelled when `progress` says stop; PyAV's errors when the file
    cannot be read."""
    import av  # FFmpeg: loaded when the first conversion runs

    rotation = _display_rotation(source)
    with av.open(str(source)) as reader:
        video_in = reader.streams.video[0]
        audio_in = reader.streams.audio[0] if reader.streams.audio else None
        duration = float(reader.duration / av.time_base) if reader.duration else None
        rate = output_rate(float(video_in.average_rate) if video_in.average_rate else None, target)
        with av.open(str(target_path), 'w', format='mp4', options={'movflags': 'faststart'}) as writer:
            video_out = writer.add_stream('libx264', rate=rate, options={
                'preset': 'veryfast', 'crf': '23', 'maxrate': f'{target.max_mbit:g}M',
                'bufsize': f'{2 * target.max_mbit:g}M'})
            coded = video_in.codec_context.width, video_in.codec_context.height
            turned = abs(rotation) == 90  # a phone's portrait clip: stored lying down, shown upright
            framed = framed_size(*(coded[::-1] if turned else coded), target, framing)
            shown = output_size(*framed, target)
            video_out.width, video_out.height = shown[::-1] if turned else shown
            if rotation:
                video_out.set_display_rotation(rotation)  # kept as the phone wrote it: frames are not turned
            video_out.pix_fmt = 'yuv420p'
            video_out.time_base = 1 / rate
            audio_out = writer.add_stream('aac', rate=AUDIO_RATE) if audio_in is not None else None
            resampler = av.AudioResampler(format='fltp', layout='stereo', rate=AUDIO_RATE) if audio_out else None
            reframe = _reframe(video_in, framed[::-1] if turned else framed, framing) \
                if framed != (coded[::-1] if turned else coded) else None
            _transcode(reader, writer, (video_in, video_out, reframe), (audio_in, audio_out, resampler), rate,
                       duration, progress)


def _reframe(video_in, framed: tuple[int, int], framing: str):
    """A filter that brings each frame (as stored) to the aspect of `framed`: padded with black bars or cropped,
    centred, then scaled to the output's size by the encoder's reformat."""
    import av

    width, height = video_in.codec_context.width, video_in.codec_context.height
    graph = av.filter.Graph()
    if framing == 'crop':
        keep = min(width, round(height * framed[0] / framed[1])), min(height, round(width * framed[1] / framed[0]))
        steps = [graph.add('crop', f'{keep[0]}:{keep[1]}')]
    else:
        steps = [graph.add('pad', f'{framed[0]}:{framed[1]}:(ow-iw)/2:(oh-ih)/2:black')]
    graph.link_nodes(graph.add_buffer(template=video_in), *steps, graph.add('setsar', '1'),
                     graph.add('buffersink')).configure()

    def apply(frame):
        graph.vpush(frame)
        return graph.vpull()
    return apply


def _display_rotation(source: Path) -> int:
    """The rotation the player applies to the clip's frames (read from its first frame), in degrees."""
    import av

    with av.open(str(source)) as reader:
        frame = next(reader.decode(video=0), None)
        return int(frame.rotation) if frame is not None else 0


def _transcode(reader, writer, video, audio, rate: Fraction, duration: float | None, progress: Progress) -> None:
    """Every frame of the source, at the output's rate: a frame is repeated or dropped so that each tick of the
    new rate shows the frame the source shows then."""
    video_in, video_out, reframe = video
    audio_in, audio_out, resampler = audio
    streams = [video_in] + ([audio_in] if audio_out is not None else [])
    tick, held, audio_pts = 0, None, 0
    expected = max(1, round((duration or 1) * rate))
    for packet in reader.demux(*streams):
        for frame in packet.decode():
            if packet.stream is video_in:
                tick, held = _emit_until(writer, video_out, held, frame, tick, rate)
                held = reframe(held) if reframe is not None else held
                if tick % 12 == 0 and not progress(min(tick / expected, 0.99)):
                    raise Cancelled
            else:
                for resampled in resampler.resample(frame):
                    resampled.pts, audio_pts = audio_pts, audio_pts + resampled.samples
                    writer.mux(audio_out.encode(resampled))
    if held is not None:
        _emit(writer, video_out, held, tick, rate)
    writer.mux(video_out.encode())
    if audio_out is not None:
        writer.mux(audio_out.encode())
    progress(1.0)


def _emit_until(writer, stream, held, frame, tick: int, rate: Fraction):
    """Show `held` (the previous frame) at every tick before `frame`'s time; `frame` is held next."""
    at = float(frame.time or 0.0)
    while held is not None and tick / rate < at:
        _emit(writer, stream, held, tick, rate)
        tick += 1
    return tick, frame


def _emit(writer, stream, frame, tick: int, rate: Fraction) -> None:
    out = frame.reformat(width=stream.width, height=stream.height, format='yuv420p')
    out.pts, out.time_base = tick, 1 / rate  # the encoder's time base (the stream's own is the muxer's)
    writer.mux(stream.encode(out))


def convert_photo(source: Path, target_path: Path, target: ConversionTarget) -> None:
    """Write `source` as a JPEG of at most `target.photo_bytes` (see-through parts white, turned as it is shown);
    a lower quality, then a smaller size, until it fits."""
    from PIL import Image, ImageOps

    with Image.open(source) as image:
        image.seek(0)  # an animation gives its first frame
        shown = ImageOps.exif_transpose(image).convert('RGBA')
    flat = Image.new('RGB', shown.size, 'white')
    flat.paste(shown, mask=shown.getchannel('A'))
    while True:
        for quality in JPEG_QUALITIES:
            buffer = io.BytesIO()
            flat.save(buffer, 'JPEG', quality=quality)
            if buffer.tell() <= target.photo_bytes:
                target_path.write_bytes(buffer.getvalue())
                return
        flat = flat.resize((max(1, flat.width * 3 // 4), max(1, flat.height * 3 // 4)))
