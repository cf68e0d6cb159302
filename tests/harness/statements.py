"""Counting the SQL statements a piece of code sends, to show that a page's reads do not grow with its rows."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from services.core import db


@contextmanager
def statements_sent(engine: sa.Engine | None = None) -> Iterator[list[str]]:
    """The statements `engine` (the app's when None) sends inside the block, in order; filled as they are sent."""
    engine = engine or db.engine()
    sent: list[str] = []

    def note(_connection, _cursor, statement: str, *_rest) -> None:
        sent.append(statement)

    sa.event.listen(engine, 'before_cursor_execute', note)
    try:
        yield sent
    finally:
        sa.event.remove(engine, 'before_cursor_execute', note)
