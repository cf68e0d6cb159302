"""Every message has an Arabic translation that keeps its placeholders, and the compiled catalogue matches."""
from __future__ import annotations

import re

import pytest
from babel.messages import pofile
from babel.support import Translations

from services.core.i18n import LOCALES_DIR

PLACEHOLDER = re.compile(r'%\((\w+)\)s')


def catalogue():
    with open(LOCALES_DIR / 'ar' / 'LC_MESSAGES' / 'messages.po', 'rb') as handle:
        return [message for message in pofile.read_po(handle, locale='ar') if message.id]


MESSAGES = catalogue()


@pytest.mark.parametrize('message', MESSAGES, ids=lambda m: str(m.id)[:40])
def test_message_is_translated_with_its_placeholders(message):
    if isinstance(message.id, str):
        assert message.string, 'no Arabic translation'
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(message.id))
    else:
        names = set(PLACEHOLDER.findall(message.id[1]))
        assert len(message.string) == 6 and all(message.string), 'Arabic needs all six plural forms'
        for form in message.string[3:]:  # few, many, other: these show the number
            assert set(PLACEHOLDER.findall(form)) == names
        for form in message.string:
            assert set(PLACEHOLDER.findall(form)) <= names


def test_compiled_catalogue_matches_the_po_file():
    compiled = Translations.load(str(LOCALES_DIR), ['ar'])
    stale = [m.id for m in MESSAGES if isinstance(m.id, str) and compiled.gettext(m.id) != m.string]
    assert stale == [], 'run scripts/translations.sh to compile the catalogue'


def test_every_message_in_the_code_is_in_the_catalogue():
    from pathlib import Path

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = LOCALES_DIR.parent
    keywords = {**DEFAULT_KEYWORDS, 'N_': None, 'NP_': (1, 2)}  # as scripts/translations.sh extracts

    def in_app(path: str) -> bool:
        return Path(path).name not in {'.venv', 'tests', 'bench', '.git', 'data'}

    found = {message for _file, _line, message, _comments, _context
             in extract_from_dir(root, [('**.py', 'python')], keywords=keywords, directory_filter=in_app)}
    known = {m.id for m in MESSAGES}
    missing = sorted(str(m) for m in found if m and m not in known)
    assert missing == [], 'run scripts/translations.sh and translate the new messages'
