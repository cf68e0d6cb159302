"""A platform's post options as the composer asks for them (YouTube's title and privacy, TikTok's privacy, …): for
the main post, or for one channel's version."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nicegui import ui

from components.translate import _
from services.platforms.spec import PlatformSpec, PostOption


def option_fields(spec: PlatformSpec, values: dict[str, Any], on_change: Callable[[str, Any], None], *,
                  choices: Callable[[str], Sequence[str] | None], marker: str = '', enabled: bool = True) -> None:
    """One field per option of `spec`, showing `values`; `on_change(name, value)` after each edit. A choice not
    among those allowed (`choices(name)`, else the spec's) is replaced in `values` by the first allowed one.
    Each field is marked `<marker><platform>-<option>`."""
    for option in spec.options:
        _option_field(spec, option, values, on_change, list(choices(option.name) or ()), f'{marker}{spec.name}',
                      enabled)


def _option_field(spec: PlatformSpec, option: PostOption, values: dict[str, Any],
                  on_change: Callable[[str, Any], None], allowed: list[str], marker: str, enabled: bool) -> None:
    """Free text (checked as it is typed), or a choice among those allowed."""
    marker = f'{marker}-{option.name}'
    if not option.choices:
        field = ui.input(_(option.label), value=values.get(option.name, ''),
                         on_change=lambda e: on_change(option.name, e.value or '')) \
            .props(f'outlined dense dir=auto maxlength={option.max_length}').classes('w-full').mark(marker)
        field.set_enabled(enabled)
        return
    labels = {choice.value: choice.label for choice in option.choices}
    allowed = allowed or list(labels)
    if values.get(option.name) not in allowed:
        values[option.name] = allowed[0]
    field = ui.select({value: _(labels.get(value, value)) for value in allowed}, label=_(option.label),
                      value=values[option.name], on_change=lambda e: on_change(option.name, e.value)) \
        .props('outlined dense').classes('w-full').mark(marker)
    field.set_enabled(enabled)
