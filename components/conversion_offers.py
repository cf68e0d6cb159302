"""Under the post's files: "Convert for Instagram" where a chosen platform refuses a file as it is but would take it
converted; then the conversion's progress (read from the database, so a reloaded page shows it too), a Cancel
button, and what became of it."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.session import client_ip, guarded
from components.translate import _, explain
from services.core.errors import UserError
from services.core.models import ConversionStatus, Framing, MediaAsset, MediaConversion, User
from services.media import conversions
from services.platforms import registry

POLL_S = 1.0
Offer = tuple[MediaAsset, str, MediaConversion | None]  # the file, the platform, its conversion if any


class ConversionOffers:
    """`what()` gives the post's files and the chosen platforms; `on_change` runs when a conversion has ended (the
    page checks the post again: the copy now stands in for the file on that platform)."""

    def __init__(self, what: Callable[[], tuple[list[MediaAsset], list[str]]], user: User,
                 on_change: Callable[[], None]) -> None:
        self.what, self.user, self.on_change = what, user, on_change
        self.shown: list[tuple] | None = None
        self.in_carousel = False
        with ui.column().classes('w-full gap-2').mark('conversion-offers'):
            self.view = ui.refreshable(self._draw)
            self.view([])
        ui.timer(POLL_S, self.update)
        self.update()

    def _offers(self) -> list[Offer]:
        media, platforms = self.what()
        if not media or not platforms:
            return []
        rows = conversions.of_media([asset.id for asset in media])
        self.in_carousel = len(media) > 1
        return [(asset, platform, rows.get((asset.id, platform))) for asset in media for platform in platforms
                if conversions.needs_conversion(asset, platform, in_carousel=self.in_carousel)]

    def update(self) -> None:
        """Draw again only what changed: a page with nothing to convert costs one look at its files a second."""
        offers = self._offers()
        shown = [(asset.id, platform, row.status if row else None, round(row.progress, 2) if row else None)
                 for asset, platform, row in offers]
        if shown == self.shown:
            return
        was_running = {(a, p) for a, p, status, _share in self.shown or [] if status == ConversionStatus.RUNNING}
        self.shown = shown
        self.view.refresh(offers)
        if any((a, p) in was_running and status != ConversionStatus.RUNNING for a, p, status, _share in shown):
            self.on_change()

    def _draw(self, offers: list[Offer]) -> None:
        for asset, platform, row in offers:
            label = registry.label(platform)
            marker = f'{asset.id}-{platform}'
            with ui.card().classes('w-full gap-1 p-3').mark(f'conversion-{marker}'):
                if row is not None and row.status == ConversionStatus.RUNNING:
                    ui.label(_('Converting %(file)s for %(platform)s…', file=asset.original_name, platform=label)) \
                        .classes('text-sm').style('overflow-wrap: anywhere')
                    with ui.row().classes('w-full items-center gap-2 no-wrap'):
                        bar = ui.linear_progress(value=row.progress, show_value=False, size='0.5rem') \
                            .classes('flex-1').mark(f'conversion-progress-{marker}')
                        label = _('Conversion progress')  # outside the f-string, where the extractor finds it
                        bar.props(f'aria-label="{label}"')
                        ui.button(_('Cancel'), on_click=guarded(lambda r=row: self._cancel(r))) \
                            .props('flat dense no-caps').mark(f'cancel-conversion-{marker}')
                elif row is not None and row.status == ConversionStatus.DONE:
                    with ui.row().classes('items-center gap-2 no-wrap text-sm text-green-800'):
                        ui.icon('check_circle')
                        ui.label(_('%(file)s is converted for %(platform)s: its channels there get the copy, the '
                                   'others the original.', file=asset.original_name, platform=label)) \
                            .style('overflow-wrap: anywhere')
                else:
                    self._offer(asset, platform, row)

    def _offer(self, asset: MediaAsset, platform: str, row: MediaConversion | None) -> None:
        label = registry.label(platform)
        ui.label(_('%(platform)s does not take %(file)s as it is; a converted copy would fit.',
                   platform=label, file=asset.original_name)).classes('text-sm').style('overflow-wrap: anywhere')
        if row is not None and row.status == ConversionStatus.FAILED:
            ui.label(_('The last conversion failed: %(reason)s', reason=row.error)).classes('text-xs text-red-800')
        elif row is not None and row.status == ConversionStatus.INTERRUPTED:
            ui.label(_('The last conversion was cut off before it finished.')).classes('text-xs text-gray-700')
        if conversions.needs_framing(asset, platform, in_carousel=self.in_carousel):
            self._framing_choice(asset, platform)
            return
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Convert for %(platform)s', platform=label), icon='auto_fix_high',
                      on_click=guarded(lambda: self._start(asset.id, platform))) \
                .props('outline dense no-caps').mark(f'convert-{asset.id}-{platform}')

    def _framing_choice(self, asset: MediaAsset, platform: str) -> None:
        """Its shape is refused: converting must either show all of it with bars or cut its edges; the user says."""
        ui.label(_('Its shape does not fit %(platform)s: show all of it with bars at the edges, or crop it to fill '
                   'the frame.', platform=registry.label(platform))).classes('text-xs text-gray-700')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Fit with bars'), icon='fit_screen',
                      on_click=guarded(lambda: self._start(asset.id, platform, Framing.FIT))) \
                .props('outline dense no-caps').mark(f'convert-fit-{asset.id}-{platform}')
            ui.button(_('Crop'), icon='crop',
                      on_click=guarded(lambda: self._start(asset.id, platform, Framing.CROP))) \
                .props('outline dense no-caps').mark(f'convert-crop-{asset.id}-{platform}')

    async def _start(self, media_id: int, platform: str, framing: str = '') -> None:
        try:
            await conversions.start(media_id, platform, self.user, framing=framing, ip=client_ip())
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative')
        self.update()

    def _cancel(self, row: MediaConversion) -> None:
        try:
            conversions.cancel(row.id, self.user, ip=client_ip())
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative')
        self.update()
