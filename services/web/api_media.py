"""REST API of media conversions: convert a stored file for a platform that refuses it as it is, follow the
conversion's progress, cancel it. Its routes join services.web.api's router."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Request
from pydantic import BaseModel, Field

from services.core import db, i18n
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import MediaAsset, MediaConversion, User
from services.media import conversions
from services.team import permissions
from services.web.api import MAX_ID, MediaOut, PlatformName, _require, api_user, media_out, router
from services.web.api_errors import ApiError, errors, language, refusal

MEDIA_GONE = N_('This file was already deleted.')
CONVERSION_GONE = N_('This conversion no longer exists.')
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


class ConversionIn(BaseModel):
    platform: PlatformName
    framing: Literal['', 'fit', 'crop'] = Field(
        default='', description="A video whose aspect the platform refuses: 'fit' shows all of it with bars, 'crop' "
        "fills the frame; '' keeps its aspect")


class ConversionOut(BaseModel):
    id: int
    media_id: int
    platform: str
    status: Literal['running', 'done', 'failed', 'cancelled', 'interrupted'] = Field(
        description="'interrupted': cut off (the app or its worker stopped); start it again")
    progress: float = Field(ge=0, le=1)
    error: str = Field(description='Why it failed, when it did')
    framing: str
    variant: MediaOut | None = Field(description="The converted copy, once done: what the platform's channels get")


def _out(row: MediaConversion) -> ConversionOut:
    variant = None
    if row.variant_id is not None:
        with db.session() as session:
            copy = session.get(MediaAsset, row.variant_id)
        variant = media_out(copy) if copy is not None else None
    return ConversionOut(id=row.id, media_id=row.media_id, platform=row.platform, status=row.status,
                         progress=round(row.progress, 3), error=row.error, framing=row.framing, variant=variant)


def _media_or_404(request: Request, media_id: int) -> None:
    with db.session() as session:
        if session.get(MediaAsset, media_id) is None:
            raise ApiError(404, 'not_found', i18n.translate(language(request), MEDIA_GONE))


@router.post('/media/{media_id}/conversions', response_model=ConversionOut, status_code=202,
             responses=errors(400, 401, 403, 404, 422))
async def start_conversion(request: Request, media_id: IdPath, body: ConversionIn,
                           user: Annotated[User, Depends(api_user)]) -> ConversionOut:
    """Convert the file for the platform in a worker process (or give the conversion already under way)."""
    _require(request, user, permissions.Action.WRITE_POSTS)
    _media_or_404(request, media_id)
    try:
        conversion_id = await conversions.start(media_id, body.platform, user, framing=body.framing,
                                                ip=request.client.host if request.client else '')
    except UserError as refused:
        raise refusal(request, 422, 'not_convertible', refused) from None
    return _out(conversions.get(conversion_id))


@router.get('/media/{media_id}/conversions', response_model=list[ConversionOut], responses=errors(401, 403, 404, 422))
def list_conversions(request: Request, media_id: IdPath,
                     user: Annotated[User, Depends(api_user)]) -> list[ConversionOut]:
    """The file's conversions, one per platform, with their progress."""
    _require(request, user, permissions.Action.READ)
    _media_or_404(request, media_id)
    rows = conversions.of_media([media_id])
    return [_out(rows[key]) for key in sorted(rows)]


@router.post('/conversions/{conversion_id}/cancel', response_model=ConversionOut,
             responses=errors(401, 403, 404, 422))
def cancel_conversion(request: Request, conversion_id: IdPath,
                      user: Annotated[User, Depends(api_user)]) -> ConversionOut:
    """Stop a conversion under way; one that has ended is left as it is."""
    _require(request, user, permissions.Action.WRITE_POSTS)
    if conversions.get(conversion_id) is None:
        raise ApiError(404, 'not_found', i18n.translate(language(request), CONVERSION_GONE))
    conversions.cancel(conversion_id, user, ip=request.client.host if request.client else '')
    return _out(conversions.get(conversion_id))
