"""Tiny real media files for tests: made on the spot with Pillow and PyAV, so no binary lives in the repository."""
from __future__ import annotations

import zlib
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

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
               fps: int = 12, rotation: int = 0, faststart: bool = False, name: str | None = None) -> Path:
    """A silent clip (`frames` / `fps` seconds) of a moving gradient, saved as mp4, mov, webm (or mkv).

    `rotation` is stored as the display matrix, as phones do for portrait video (-90: shown turned clockwise);
    `faststart` puts the index (moov) before the frames, as files made for the web do.
    """
    container_format, codec, pixel_format = VIDEO_FORMATS[ext]
    width, height = size
    path = folder / (name or f'sample.{ext}')
    options = {'movflags': 'faststart'} if faststart else {}
    with av.open(str(path), 'w', format=container_format, options=options) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pixel_format
        stream.time_base = Fraction(1, fps)
        if rotation:
            stream.set_display_rotation(rotation)
        for index in range(frames):
            image = Image.new('RGB', size)
            image.putdata([((x + index * 8) % 256, y * 255 // height, 64) for y in range(height) for x in range(width)])
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


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
