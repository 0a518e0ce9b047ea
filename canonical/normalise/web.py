"""Websites and social profiles: a canonical URL, the platform and, for profiles, the handle.

"www.Rossi.it/" -> "https://www.rossi.it"; "http://twitter.com/mario_rossi?lang=it" ->
"https://x.com/mario_rossi" (platform x, handle "mario_rossi"); "@mario" with
platform instagram -> "https://www.instagram.com/mario".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from canonical.normalise.result import Normalised


class WebPlatform(StrEnum):
    """Where a web handle lives."""

    WEBSITE = "website"
    LINKEDIN = "linkedin"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    OTHER = "other"


class _PlatformRule(NamedTuple):
    domains: tuple[str, ...]  # first one is canonical
    profile_url: str  # template for a bare handle
    path_prefixes: tuple[str, ...] = ()  # path parts before the handle ("in", "company")


PLATFORM_RULES: dict[WebPlatform, _PlatformRule] = {
    WebPlatform.LINKEDIN: _PlatformRule(
        ("www.linkedin.com", "linkedin.com"),
        "https://www.linkedin.com/in/{}",
        ("in", "company", "school"),
    ),
    WebPlatform.FACEBOOK: _PlatformRule(
        ("www.facebook.com", "facebook.com", "fb.com"), "https://www.facebook.com/{}"
    ),
    WebPlatform.INSTAGRAM: _PlatformRule(
        ("www.instagram.com", "instagram.com"), "https://www.instagram.com/{}"
    ),
    WebPlatform.X: _PlatformRule(("x.com", "twitter.com"), "https://x.com/{}"),
    WebPlatform.TIKTOK: _PlatformRule(
        ("www.tiktok.com", "tiktok.com"), "https://www.tiktok.com/@{}"
    ),
    WebPlatform.YOUTUBE: _PlatformRule(
        ("www.youtube.com", "youtube.com"), "https://www.youtube.com/@{}", ("c", "channel", "user")
    ),
}
_HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{1,62}$"
)
_HANDLE = re.compile(r"^@?[\w.\-]{1,100}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class WebResult(Normalised[str]):
    """A normalised web address: ``value`` is the canonical URL.

    Attributes:
        platform: the platform the URL belongs to (``website`` for any other site).
        handle: the profile name on a social platform ("mario_rossi", "company/acme").
    """

    platform: WebPlatform | None = None
    handle: str | None = None


def _platform_of(host: str) -> WebPlatform:
    """The platform whose domain ``host`` is, or is a subdomain of ("it.linkedin.com")."""
    for platform, rule in PLATFORM_RULES.items():
        for domain in rule.domains:
            bare = domain.removeprefix("www.")
            if host == bare or host.endswith("." + bare):
                return platform
    return WebPlatform.WEBSITE


@lru_cache(maxsize=16384)
def normalise_web(raw: str, platform: WebPlatform | str | None = None) -> WebResult:
    """Normalise a website or social-profile address (see the module docstring).

    Args:
        raw: a URL, a bare domain, or a handle ("@mario") when ``platform`` is given.
        platform: the platform a bare handle belongs to.
    """
    text = raw.strip()
    if not text:
        return WebResult.fail(raw, "the web address is empty")
    wanted = WebPlatform(platform) if platform else None
    if (
        wanted in PLATFORM_RULES
        and "/" not in text
        and _HANDLE.match(text)
        and (text.startswith("@") or "." not in text)
    ):
        handle = text.lstrip("@")
        return WebResult.ok(
            raw, PLATFORM_RULES[wanted].profile_url.format(handle), platform=wanted, handle=handle
        )
    return _normalise_url(raw, text)


def _normalise_url(raw: str, text: str) -> WebResult:
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
    except ValueError as exc:
        return WebResult.fail(raw, f"{raw!r} is not a web address: {exc}")
    if parts.scheme not in ("http", "https") or not _HOST.match(host):
        return WebResult.fail(
            raw, f"{raw!r} is not a web address (expected e.g. www.example.it or https://...)"
        )
    detected = _platform_of(host)
    path = parts.path.rstrip("/")
    if detected is WebPlatform.WEBSITE:
        query = f"?{parts.query}" if parts.query else ""
        return WebResult.ok(raw, f"{parts.scheme}://{host}{path}{query}", platform=detected)
    rule = PLATFORM_RULES[detected]
    handle = _handle_from_path(path, rule) or None
    return WebResult.ok(raw, f"https://{rule.domains[0]}{path}", platform=detected, handle=handle)


def _handle_from_path(path: str, rule: _PlatformRule) -> str:
    segments = [s for s in path.split("/") if s]
    if len(segments) >= 2 and segments[0] in rule.path_prefixes:
        return segments[1] if segments[0] == "in" else f"{segments[0]}/{segments[1]}"
    return segments[0].lstrip("@") if segments else ""
