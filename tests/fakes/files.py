"""A tiny file server: the "public" addresses platforms that pull media (Instagram) download it from.

    with FileServer() as files:
        url = files.serve(jpeg_path)
"""
from __future__ import annotations

import itertools
import mimetypes
from pathlib import Path
from typing import Any

from starlette.responses import PlainTextResponse, Response

from tests.fakes import FakeServer


class FileServer(FakeServer):
    """Serves chosen local files at unguessable paths."""

    def __init__(self) -> None:
        super().__init__()
        self._files: dict[str, Path] = {}
        self._ids = itertools.count(1)

    def serve(self, path: Path) -> str:
        key = f'{next(self._ids)}/{path.name}'
        self._files[key] = path
        return f'{self.base_url}/files/{key}'

    def missing(self, name: str = 'gone.jpg') -> str:
        """An address on this server that answers 404 (an expired or deleted file)."""
        return f'{self.base_url}/files/0/{name}'

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = self._files.get(scope['path'].removeprefix('/files/'))
        if path is None or not path.is_file():
            response: Response = PlainTextResponse('Not Found', status_code=404)
        else:
            response = Response(path.read_bytes(), media_type=mimetypes.guess_type(path.name)[0])
        await response(scope, receive, send)
