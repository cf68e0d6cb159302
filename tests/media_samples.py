"""Tiny real media files for tests: made on the spot with Pillow and PyAV, so no binary lives in the repository."""
from __future__ import annotations

import zlib
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageChops

IMAGE_FORMATS = {'jpg': 'JPEG', 'png': 'PNG', 'webp': 'WEBP', 'gif': 'GIF', 'avif': 'AVIF'}
# container format, video codec and pixel format for each kind of video
VIDEO_FORMATS = {
    'mp4': ('mp4', 'libx264', 'yuv420p'),
    'mov': ('mov', 'libx264', 'yuv420p'),
    'webm': ('webm', 'libvpx-vp9', 'yuv420p'),
    'mkv': ('matroska', 'libx264', 'yuv420p'),
}


def make_image(folder: Path, ext: str, *, size: tuple[int, int] = (64, 48), name: str | None = None) -> Path:
    """A small gradient picture saved as `ext` (jpg, png, webp, gif, or avif: a type the app does not take)."""
    width, height = size
    image = Image.new('RGB', size)
    image.putdata([(x * 255 // width, y * 255 // height, 128) for y in range(height) for x in range(width)])
    path = folder / (name or f'sample.{ext}')
    image.save(path, IMAGE_FORMATS[ext])
    return path


def make_video(folder: Path, ext: str = 'mp4', *, size: tuple[int, int] = (64, 48), frames: int = 12,
               fps: int = 12, rotation: int = 0, faststart: bool = False, sound: str | None = None,
               name: str | None = None) -> Path:
    """A clip (`frames` / `fps` seconds) of a moving gradient, saved as mp4, mov, webm (or mkv).

    `rotation` is stored as the display matrix, as phones do for portrait video (-90: shown turned clockwise);
    `faststart` puts the index (moov) before the frames, as files made for the web do; `sound`: an audio codec
    (aac, libopus) for a silent sound track, None for none.
    """
    container_format, codec, pixel_format = VIDEO_FORMATS[ext]
    width, height = size
    path = folder / (name or f'sample.{ext}')
    options = {'movflags': 'faststart'} if faststart else {}
    with av.open(str(path), 'w', format=container_format, options=options) as container:
        stream = container.add_stream(codec, rate=fps, options={'preset': 'ultrafast'} if codec == 'libx264' else {})
        stream.width, stream.height, stream.pix_fmt = width, height, pixel_format
        stream.time_base = Fraction(1, fps)
        if rotation:
            stream.set_display_rotation(rotation)
        audio = _silent_track(container, sound, frames / fps) if sound else []
        picture = _gradient(size)
        for index in range(frames):
            frame = av.VideoFrame.from_image(ImageChops.offset(picture, index * 8 % width, 0))
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        for packets in audio:
            container.mux(packets)
    return path


def make_clip_for_every_platform(folder: Path, name: str = 'clip.mp4') -> Path:
    """A 4-second H.264 MP4 at 24 fps, 360×640: what every platform takes (Instagram: reels of 3 s or more at
    23-60 fps; TikTok: at least 360 px on each side)."""
    return make_video(folder, 'mp4', size=(360, 640), frames=96, fps=24, name=name)


def _gradient(size: tuple[int, int]) -> Image.Image:
    width, height = size
    across = Image.linear_gradient('L').rotate(90).resize(size)
    down = Image.linear_gradient('L').resize(size)
    return Image.merge('RGB', (across, down, Image.new('L', size, 64)))


def _silent_track(container: av.container.OutputContainer, codec: str, seconds: float) -> list[list[av.Packet]]:
    """The packets of `seconds` of silence in `codec` (muxed after the picture: the muxer interleaves them)."""
    rate = 48000
    stream = container.add_stream(codec, rate=rate, layout='mono')
    packets: list[list[av.Packet]] = []
    samples = 960 if codec == 'libopus' else 1024
    for index in range(int(seconds * rate / samples) + 1):
        frame = av.AudioFrame(format=stream.codec_context.format.name, layout='mono', samples=samples)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate, frame.pts = rate, index * samples
        packets.append(stream.encode(frame))
    packets.append(stream.encode())
    return packets


def make_renamed_exe(folder: Path, name: str = 'holiday.jpg') -> Path:
    """A Windows executable header (MZ … PE) under a picture's name."""
    path = folder / name
    header = bytearray(b'MZ' + b'\x90\x00' + bytes(56))
    header[0x3C:0x40] = (64).to_bytes(4, 'little')
    path.write_bytes(bytes(header) + b'PE\x00\x00' + bytes(200))
    return path


def make_svg(folder: Path, name: str = 'logo.png') -> Path:
    """An SVG with a script in it, under a picture's name."""
    path = folder / name
    path.write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                    '<script>alert(1)</script></svg>\n', encoding='utf-8')
    return path


def make_truncated(source: Path, name: str | None = None, *, keep: float = 0.5) -> Path:
    """The first `keep` part of `source`: the right magic bytes, but a file that cannot be decoded to the end."""
    data = source.read_bytes()
    path = source.with_name(name or f'truncated-{source.name}')
    path.write_bytes(data[:max(int(len(data) * keep), 16)])
    return path


def make_png_claiming(folder: Path, size: tuple[int, int], name: str = 'huge.png') -> Path:
    """A few hundred bytes whose PNG header claims `size` pixels (a decompression bomb stops at the header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, 'big') + kind + data + zlib.crc32(kind + data).to_bytes(4, 'big')

    width, height = size
    header = width.to_bytes(4, 'big') + height.to_bytes(4, 'big') + bytes([8, 2, 0, 0, 0])
    path = folder / name
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(bytes(1000)))
                     + chunk(b'IEND', b''))
    return path
