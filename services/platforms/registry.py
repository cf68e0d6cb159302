"""Which client speaks for which platform, built from the settings.

Adding a platform: write its module, then add one line to `_FACTORIES`.
"""
from __future__ import annotations

from collections.abc import Callable

from services.core.config import Settings
from services.platforms.base import PlatformClient
from services.platforms.instagram.client import InstagramClient
from services.platforms.telegram.client import TelegramClient
from services.platforms.tiktok.client import TikTokClient
from services.platforms.youtube.client import YouTubeClient


class UnknownPlatform(KeyError):
    """No client exists for this platform name."""


_FACTORIES: dict[str, Callable[[Settings], PlatformClient]] = {
    'telegram': lambda settings: TelegramClient(settings.telegram_api_url),
    'instagram': lambda settings: InstagramClient(settings.instagram_api_url),
    'tiktok': lambda settings: TikTokClient(settings.tiktok_api_url),
    'youtube': lambda settings: YouTubeClient(settings.youtube_api_url, settings.youtube_oauth_url),
}


def platforms() -> list[str]:
    """The platform names a client exists for."""
    return sorted(_FACTORIES)


def client_for(platform: str, settings: Settings) -> PlatformClient:
    """The client for `platform` ('telegram', ...), pointed at the API address in `settings`.

    Raises UnknownPlatform for a name without a client.
    """
    try:
        factory = _FACTORIES[platform]
    except KeyError:
        raise UnknownPlatform(platform) from None
    return factory(settings)
