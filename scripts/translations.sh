#!/usr/bin/env bash
# Update the message catalogues from the code, then compile them.
#   bash scripts/translations.sh          extract → update en/ar .po → compile .mo
# Translate new entries in locales/ar/LC_MESSAGES/messages.po, then run it again to compile.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/.venv/bin:$PATH"  # pybabel comes with the venv
pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k NP_:1,2 --no-location --sort-output \
  --project "Anonymous Creations" --copyright-holder "Anonymous Creations" \
  --ignore-dirs .venv --ignore-dirs tests --ignore-dirs bench -o locales/messages.pot . >/dev/null 2>&1
for lang in en ar; do
  if [ -f "locales/$lang/LC_MESSAGES/messages.po" ]; then
    pybabel update -i locales/messages.pot -d locales -l "$lang" --no-fuzzy-matching >/dev/null 2>&1
  else
    pybabel init -i locales/messages.pot -d locales -l "$lang" >/dev/null 2>&1
  fi
done
pybabel compile -d locales --statistics
