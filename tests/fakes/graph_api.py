"""What a fake of any Meta Graph API speaks, whatever the product: the version prefix, the error envelope, field
selection and cursor-paged edges (`{"data": [...], "paging": {"cursors": {...}, "next": ...}}`)."""
from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import urlencode

VERSION = re.compile(r'/v\d+\.\d+(?=/)')
PAGE_SIZE, MAX_PAGE_SIZE = 25, 100


class GraphError(Exception):
    def __init__(self, code: int, message: str, subcode: int | None = None, *, user_msg: str | None = None,
                 status: int = 400, transient: bool = False) -> None:
        super().__init__(message)
        self.code, self.message, self.subcode, self.user_msg = code, message, subcode, user_msg
        self.status, self.transient = status, transient

    def envelope(self) -> dict[str, Any]:
        error = {'message': self.message, 'type': 'OAuthException', 'code': self.code, 'is_transient': self.transient,
                 'fbtrace_id': 'AFakeTraceId0123456789', **({'error_subcode': self.subcode} if self.subcode else {})}
        if self.user_msg:
            error |= {'error_user_title': 'Post failed', 'error_user_msg': self.user_msg}
        return {'error': error}


def select_fields(found: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Only the `fields` asked for (and the id), as the Graph API answers."""
    wanted = {name.strip() for name in str(params.get('fields') or '').split(',') if name.strip()}
    return {name: value for name, value in found.items() if name == 'id' or not wanted or name in wanted}


def edge_page(nodes: list[dict[str, Any]], params: dict[str, Any], link: str, token: str) -> dict[str, Any]:
    """One page of an edge whose `nodes` are in the order the edge lists them: `limit` of them after the `after`
    cursor, with their `fields`, and the cursors and `next` link (at `link`, the edge's own URL) that go on."""
    ids = [node['id'] for node in nodes]
    after = _uncursor(str(params.get('after') or ''))
    start = ids.index(after) + 1 if after in ids else 0
    limit = str(params.get('limit') or '')
    size = min(max(int(limit), 1), MAX_PAGE_SIZE) if limit.isdigit() else PAGE_SIZE
    page = nodes[start:start + size]
    paging: dict[str, Any] = {}
    if page:
        paging['cursors'] = {'before': _cursor(page[0]['id']), 'after': _cursor(page[-1]['id'])}
    if start + size < len(nodes):
        query = {**params, 'access_token': token, 'limit': size, 'after': _cursor(page[-1]['id'])}
        paging['next'] = f'{link}?{urlencode(query)}'
    return {'data': [select_fields(node, params) for node in page], 'paging': paging}


def _cursor(node_id: str) -> str:
    return base64.urlsafe_b64encode(node_id.encode()).decode()


def _uncursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ''
