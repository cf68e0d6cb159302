"""What the app knows about a platform: one frozen `PlatformSpec` per platform package, read by every other layer.

A spec holds facts, not behaviour of its own: the label and icon pages show, the settings (environment variables)
that point its client at the platform, the post rules and the options it takes, how accounts are connected (by
environment variables, a form, or OAuth), pacing, token renewal and how it gets media.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from services.platforms.base import Account, PlatformClient


@dataclass(frozen=True)
class MediaFacts:
    """What the post rules know of a photo or video before it is sent (read from the file by the media probe;
    None where it is not known)."""
    mime_type: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    name: str = ''  # the user's name for the file, as problems name it
    video_codec: str | None = None  # FFmpeg's name: h264, hevc, vp9, ...
    audio_codec: str | None = None  # None: no sound (or not known)
    frame_rate: float | None = None
    bit_rate: int | None = None  # bits per second
    has_alpha: bool | None = None  # images: some pixel is see-through

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith('video/')


@dataclass(frozen=True)
class Problem:
    """Why a post cannot go (a msgid and its parameters, translated where shown); `platform` and `channel` (its id)
    when it is one channel's."""
    message: str
    params: dict[str, object] = field(default_factory=dict)
    platform: str | None = None
    channel: int | None = None


def utf16_length(text: str) -> int:
    """Length as Telegram and TikTok count it: characters outside the BMP (most emoji) count twice."""
    return len(text.encode('utf-16-le')) // 2


@dataclass(frozen=True)
class Rule:
    """One rule a post must meet on a platform. `check(text, media, options)` returns the problem (its msgid starts
    with %(platform)s, filled in by `check_post`) or None; `limit` is the figure the message names, if any."""
    name: str
    check: Callable[[str, Sequence[MediaFacts], Mapping[str, Any]], Problem | None]
    limit: object = None
    convertible: bool = False  # the spec's `converts_to` makes a file that breaks it into one that meets it
    framing: bool = False  # converting meets it only by fitting (bars) or cropping to `converts_to.aspect`


@dataclass(frozen=True)
class TextCounter:
    """The counter the composer shows under the text: the length as the platform counts it, against its limit."""
    count: Callable[[str], int]
    limit: Callable[[bool], int]  # whether the post has media → the limit
    unit: str = ''  # msgid of what it counts when that is not characters (e.g. bytes), shown beside the figures


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # msgid


@dataclass(frozen=True)
class PostOption:
    """A choice a post makes for this platform, kept in `Post.options[platform][name]`: free text, or one of
    `choices` (the first is the default; `PostingLimits` may narrow them to what the account allows)."""
    name: str
    label: str  # msgid
    choices: tuple[Choice, ...] = ()
    max_length: int = 200  # of free text: above the rule's limit, so the composer can say what is too long


@dataclass(frozen=True)
class SummaryLine:
    """One labelled line of what goes to a platform (e.g. "Who can see it: Public"). `label` is a msgid; `value`
    is one too when `translate`, else the user's own words (a title)."""
    label: str
    value: str
    translate: bool = True


@dataclass(frozen=True)
class KnownError:
    """A platform error a user can act on: when `pattern` (a regular expression, case-insensitive) is found in the
    platform's words, `sentence` (a msgid) says what happened and what to do next."""
    pattern: str
    sentence: str


@dataclass(frozen=True)
class PreviewStyle:
    """How the platform shows a post, for the composer's preview. `cut`: characters of the caption shown before
    "more" (None: all of it); `layout`: 'album' (photos in a grid), 'carousel' (one at a time, with dots),
    'portrait_video' (the first frame, tall, the caption over it) or 'landscape_video' (the first frame, wide, the
    title (`title_option`) large and the text below)."""
    cut: int | None = None
    layout: str = 'album'


@dataclass(frozen=True)
class PostingLimits:
    """What one connected account may post now, as the platform says: `choices` narrows options, `options` are
    values the post rules then read (e.g. the longest video the account may post)."""
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountProfile:
    """Who an account is on its platform, as the platform names it: its own id there, its name and picture (an
    address the app can fetch; '' when the platform shows none)."""
    remote_id: str
    name: str
    picture_url: str = ''


@dataclass(frozen=True)
class Setting:
    """One environment variable of the platform, read at start into `Settings.platform(name)[key]`."""
    key: str
    env: str
    default: str = ''
    is_url: bool = False  # an http(s) address: anything else stops the app with one clear line


@dataclass(frozen=True)
class EnvAccount:
    """An account connected by environment variables: credential name → the key of the setting holding it.
    `name_from` names a credential that names the account until a test of the connection gives its real name."""
    credentials: Mapping[str, str]
    name_from: str | None = None


@dataclass(frozen=True)
class FormField:
    name: str  # the credential it fills
    label: str  # msgid
    secret: bool = False
    placeholder: str = ''


@dataclass(frozen=True)
class CredentialForm:
    """Connecting by typing the credentials on the Channels page; they are tested, then saved."""
    title: str  # msgid
    help: str  # msgid
    fields: tuple[FormField, ...]
    incomplete: str  # msgid: what to say when a field is left empty
    # msgid: the title of the form adding another channel (its `channel_keys` fields) to credentials already
    # connected, e.g. another chat of a bot; '' when the credentials reach one channel only
    another: str = ''


@dataclass(frozen=True)
class CodeGrant:
    """What came back from the platform's sign-in: the code, and the app and callback it was asked with."""
    code: str
    client_id: str
    client_secret: str
    redirect_uri: str
    code_verifier: str = ''  # PKCE, when the provider takes it


# (the grant, the platform's settings) → (credentials to store, the account's name; '' to ask the client's check)
Exchange = Callable[[CodeGrant, Mapping[str, str]], Awaitable[tuple[dict[str, str], str]]]


@dataclass(frozen=True)
class OAuthProvider:
    """Connecting through the platform's own sign-in (OAuth authorization code)."""
    authorize_setting: str  # key of the setting with the sign-in site's address
    authorize_path: str
    scopes: tuple[str, ...]
    exchange: Exchange
    client_id_label: str  # msgid
    client_secret_label: str  # msgid
    how: str  # msgid: how to make the app whose id and secret the form asks for
    scope_separator: str = ','
    client_param: str = 'client_id'  # what the platform calls the app's id (sign-in address and credentials)
    extra: Mapping[str, str] = field(default_factory=dict)
    pkce: bool = False
    same_account_key: str | None = None  # credential naming the platform's user: connecting it again updates it


@dataclass(frozen=True)
class MediaPull:
    """The platform fetches files from a public address (under PUBLIC_BASE_URL) instead of taking uploads."""
    photos_as_jpeg: bool = False  # it takes only JPEG photos: others are served as a JPEG copy


@dataclass(frozen=True)
class ConversionTarget:
    """What "Convert for <platform>" makes of a file the platform refuses: a video as H.264 and AAC in MP4 with the
    index first (faststart), its frame rate brought within `fps`, scaled (aspect kept) so that its width is at most
    `max_width` and each side within `sides`; a photo as a JPEG of at most `photo_bytes`, see-through parts white.
    When the user chooses to fit or crop, a video is brought to the nearest aspect within `aspect` (each a width,
    height pair: ((4, 5), (16, 9)) is 4:5 to 16:9)."""
    fps: tuple[int, int] = (23, 60)
    aspect: tuple[tuple[int, int], tuple[int, int]] | None = None
    max_width: int | None = None
    sides: tuple[int, int] | None = None
    max_mbit: float = 20.0
    photo_bytes: int = 8 * 1024 * 1024
    photos: bool = True  # whether photos are converted (a platform that takes none has nothing to convert)


@dataclass(frozen=True)
class PlatformSpec:
    """Everything the app knows about one platform. `client(settings)` builds its client from its own settings."""
    name: str  # as stored in the database: deliveries, accounts, channels, post options
    label: str  # as shown (a brand name: not translated)
    icon: str  # a Material icon name
    client: Callable[[Mapping[str, str]], PlatformClient]
    counter: TextCounter
    rules: tuple[Rule, ...] = ()
    converts_to: ConversionTarget | None = None  # how a file that breaks a `convertible` rule is converted
    settings: tuple[Setting, ...] = ()
    options: tuple[PostOption, ...] = ()
    title_option: str | None = None  # the option the preview shows as the post's title
    posting_limits: Callable[[Any, Account], Awaitable[PostingLimits]] | None = None  # (its client, the account)
    # (its client, the account) → (posts published in the last 24 hours, how many it allows): its daily publishing
    # quota, for the warnings before a post would fail; None: no such quota. Raises a PlatformError.
    publishing_quota: Callable[[Any, Account], Awaitable[tuple[int, int]]] | None = None
    # (its client, the account) → who the account is on the platform; raises a PlatformError (Rejected when the
    # account is reachable but cannot be posted to)
    describe: Callable[[Any, Account], Awaitable[AccountProfile]] | None = None
    env_account: EnvAccount | None = None
    credential_form: CredentialForm | None = None
    oauth: OAuthProvider | None = None
    account_name: Callable[[Mapping[str, str], str], str] | None = None  # (credentials, checked name) → listed name
    pacing_s: float = 0.0  # default seconds between two sends to one channel
    # at most this many sends in any this many seconds with one credential (one bot into all its chats); None: no limit
    credential_limit: tuple[int, float] | None = None
    # credentials that belong to one channel, not to the credential it shares (a Telegram chat id): each channel
    # keeps its own in `Channel.address`
    channel_keys: tuple[str, ...] = ()
    renew_within: timedelta | None = None  # renew a token expiring within this; None: its tokens do not expire
    pulls_media: MediaPull | None = None
    needs_public_url: str | None = None  # msgid: why it cannot work until PUBLIC_BASE_URL is set
    # Whether its client, at the next attempt, asks the platform whether a publish whose answer was lost went up:
    # only then may the engine send again after OutcomeUnknown.
    finds_lost_posts: bool = False
    known_errors: tuple[KnownError, ...] = ()
    preview: PreviewStyle = PreviewStyle()
    # what the post is on this platform, from its media (e.g. Instagram's feed photo, carousel or reel)
    post_kind: Callable[[Sequence[MediaFacts]], SummaryLine | None] | None = None

    def explain_error(self, raw: str) -> str | None:
        """The msgid of the sentence for the platform's error `raw` (its own words, as stored), or None when it
        is not one the platform knows."""
        for known in self.known_errors:
            if re.search(known.pattern, raw, re.IGNORECASE):
                return known.sentence
        return None

    def summary(self, options: Mapping[str, Any], media: Sequence[MediaFacts]) -> list[SummaryLine]:
        """What goes to this platform beside the text, as labelled lines: the kind of post, then each option
        (a choice by its label; free text as written; an option not set is left out)."""
        lines = [kind for kind in [self.post_kind(media) if self.post_kind else None] if kind]
        for option in self.options:
            value = str(options.get(option.name) or '').strip()
            if not value:
                continue
            labels = {choice.value: choice.label for choice in option.choices}
            lines.append(SummaryLine(option.label, labels.get(value, value), translate=value in labels))
        return lines

    def env_names(self) -> list[str]:
        """The environment variables that connect an account of this platform."""
        if self.env_account is None:
            return []
        by_key = {setting.key: setting.env for setting in self.settings}
        return [by_key[key] for key in self.env_account.credentials.values()]

    def listed_name(self, credentials: Mapping[str, str], checked_name: str) -> str:
        """How an account is listed once the platform has named it `checked_name`."""
        return self.account_name(credentials, checked_name) if self.account_name else checked_name
