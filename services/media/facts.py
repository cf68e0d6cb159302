"""What the post rules know of a stored file: the one place a `MediaAsset` becomes `MediaFacts`."""
from __future__ import annotations

from services.core.models import MediaAsset
from services.platforms.spec import MediaFacts


def facts_of(asset: MediaAsset) -> MediaFacts:
    """The figures of `asset` as the probe found them, named as the user named the file."""
    return MediaFacts(asset.mime_type, asset.size_bytes, asset.width, asset.height, asset.duration_s,
                      name=asset.original_name, video_codec=asset.video_codec, audio_codec=asset.audio_codec,
                      frame_rate=asset.frame_rate, bit_rate=asset.bit_rate, has_alpha=asset.has_alpha)
