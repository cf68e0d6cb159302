"""The platforms the app knows, each described by its package's `PLATFORM` (a PlatformSpec), in the order pages list
them.

Adding a platform: write its package under services/platforms/, then add one line to `_BUILT_IN`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services.platforms import instagram, telegram, tiktok, youtube
from services.platforms.base import PlatformClient
from services.platforms.spec import PlatformSpec

if TYPE_CHECKING:
    from services.core.config import Settings

_BUILT_IN = (
    telegram.PLATFORM,
    instagram.PLATFORM,
    youtube.PLATFORM,
    tiktok.PLATFORM,
)
_platforms: dict[str, PlatformSpec] = {spec.name: spec for spec in _BUILT_IN}


class UnknownPlatform(KeyError):
    """No platform of this name is registered."""


def all() -> list[PlatformSpec]:  # noqa: A001 - read as registry.all()
    """Every registered platform, in the order pages list them."""
    return list(_platforms.values())


def names() -> list[str]:
    return list(_platforms)


def get(name: str) -> PlatformSpec:
    """The platform called `name` ('telegram', ...). Raises UnknownPlatform."""
    try:
        return _platforms[name]
    except KeyError:
        raise UnknownPlatform(name) from None


def find(name: str) -> PlatformSpec | None:
    """The platform called `name`, or None."""
    return _platforms.get(name)


def label(name: str) -> str:
    """How `name` is shown; the name itself for a platform no longer registered (its old deliveries stay)."""
    spec = _platforms.get(name)
    return spec.label if spec else name


def icon(name: str) -> str:
    spec = _platforms.get(name)
    return spec.icon if spec else 'public'


def register(spec: PlatformSpec) -> None:
    """Add `spec` (or replace the platform of its name), e.g. a platform a test brings along. Settings read at start
    include its variables only when it was registered before."""
    _platforms[spec.name] = spec


def unregister(name: str) -> None:
    """Forget the platform called `name` (a test's own, once it is done)."""
    _platforms.pop(name, None)


def client_for(platform: str, settings: Settings) -> PlatformClient:
    """The client for `platform`, built from its settings. Raises UnknownPlatform for a name no platform has."""
    return get(platform).client(settings.platform(platform))
