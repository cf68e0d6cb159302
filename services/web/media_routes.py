"""Serving stored media: to signed-in users by name, and to platforms that pull media by a signed, expiring URL.

`/uploads/…` is behind the sign-in gate like every other path; `/media/signed/…` must be left open by that gate
(the signature is its lock). Only names the media service made are served: anything else is a 404.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from services.media import library, stored_files

router = APIRouter()

SIGNED_PREFIX = '/media/signed/'


@router.api_route('/uploads/{name}', methods=['GET', 'HEAD'], include_in_schema=False)
async def uploaded_file(name: str) -> FileResponse:
    return _file_response(_stored_file(name))


@router.api_route(SIGNED_PREFIX + '{name}', methods=['GET', 'HEAD'], include_in_schema=False)
async def signed_file(name: str, expires: str = '', signature: str = '') -> FileResponse:
    path = _stored_file(name)
    if not library.verify_signed(name, expires, signature):
        raise HTTPException(status_code=403)
    return _file_response(path)


def _stored_file(name: str) -> Path:
    path = stored_files.stored_file(name)
    if path is None or not path.is_file():
        raise HTTPException(status_code=404)
    return path


def _file_response(path: Path) -> FileResponse:
    # The type is the detected one; nosniff keeps the browser from guessing another from the bytes.
    return FileResponse(path, media_type=stored_files.stored_mime_type(path.name), filename=path.name,
                        content_disposition_type='inline', headers={'X-Content-Type-Options': 'nosniff'})
