"""Ask before a page with unsaved work is left: the browser's own "Leave site?" prompt.

Every way out of a page here is a page load (the header's links, the menu, reload, closing the tab), so the
browser's `beforeunload` prompt covers them all; the page only says whether there is anything to lose.
"""
from __future__ import annotations

from nicegui import ui

GUARD = '''<script>
window.addEventListener('beforeunload', (event) => {
  if (window.__unsaved) { event.preventDefault(); event.returnValue = ''; }
});
</script>'''


class UnsavedChanges:
    """Whether the page holds work not saved yet; call `changed()` on every edit and `saved()` once it is kept."""

    def __init__(self) -> None:
        self.dirty = False
        ui.add_head_html(GUARD)

    def changed(self) -> None:
        self._set(True)

    def saved(self) -> None:
        """Call before navigating away after a successful save, so the browser does not ask."""
        self._set(False)

    def _set(self, dirty: bool) -> None:
        if dirty != self.dirty:
            self.dirty = dirty
            ui.run_javascript(f'window.__unsaved = {"true" if dirty else "false"}')
