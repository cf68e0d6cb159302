"""Copies of a file converted for one platform (`MediaAsset.variant_of` / `variant_for`): what that platform's
channels get instead of the original, which every other channel still gets."""
from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import select

from services.core import db
from services.core.models import MediaAsset


def for_platform(assets: Sequence[MediaAsset], platform: str) -> list[MediaAsset]:
    """`assets` in order, each replaced by its copy converted for `platform` where there is one."""
    ids = [asset.id for asset in assets if asset.id is not None]
    if not ids:
        return list(assets)
    with db.session() as session:
        found = {variant.variant_of: variant for variant in session.exec(
            select(MediaAsset).where(MediaAsset.variant_of.in_(ids), MediaAsset.variant_for == platform))}
    return [found.get(asset.id, asset) for asset in assets]


def variants_of(media_id: int) -> list[MediaAsset]:
    """Every converted copy of `media_id`."""
    with db.session() as session:
        return list(session.exec(select(MediaAsset).where(MediaAsset.variant_of == media_id)))
