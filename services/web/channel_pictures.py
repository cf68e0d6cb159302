"""GET /channel-picture/<id>: a channel's picture, fetched from its platform by the server and kept (see
connections.pictures), so that no page holds the platform's address (Telegram's carries the bot token). Behind the
sign-in gate like every other path."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from services.connections import channels, pictures
from services.core.config import get_settings

router = APIRouter()


@router.api_route(pictures.ROUTE, methods=['GET', 'HEAD'], include_in_schema=False)
async def channel_picture(channel_id: int) -> FileResponse:
    channel = channels.get_channel(channel_id)
    found = await pictures.fetch(channel, get_settings()) if channel is not None else None
    if found is None:
        raise HTTPException(status_code=404)
    path, kind = found
    # the address changes with the picture, so browsers may keep it
    return FileResponse(path, media_type=kind, headers={'Cache-Control': 'private, max-age=86400',
                                                        'X-Content-Type-Options': 'nosniff'})
