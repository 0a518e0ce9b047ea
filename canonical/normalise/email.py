"""E-mail addresses: syntax check (no DNS), a display form and a matching key.

The display form (``value``) keeps the local part as written and lower-cases the
domain: mailbox names can in theory be case-sensitive, domains never are. The
matching key lower-cases everything and, for Gmail, removes what Gmail ignores
(dots and "+tag" in the local part; googlemail.com is gmail.com).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from canonical.normalise.result import SLOW_PATH_CACHE_SIZE, Normalised

# Providers that ignore dots and "+tags" in the local part, and the domain they alias to.
_DOT_AND_TAG_BLIND_DOMAINS: dict[str, str] = {
    "gmail.com": "gmail.com",
    "googlemail.com": "gmail.com",
}
_WRAPPERS = ("mailto:", "MAILTO:", "smtp:", "SMTP:")


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailResult(Normalised[str]):
    """A normalised e-mail address.

    Attributes:
        match_key: lower-cased address used to compare addresses across systems
            (Gmail dots and +tags removed).
    """

    match_key: str | None = None


def normalise_email(raw: str) -> EmailResult:
    """Validate and normalise one e-mail address (syntax only, no DNS look-up)."""
    text = raw.strip()
    if text.startswith(_WRAPPERS):  # rare: most addresses skip the loop
        for wrapper in _WRAPPERS:
            if text.startswith(wrapper):
                text = text[len(wrapper) :].strip()
    if not text:
        return EmailResult.fail(raw, "the e-mail address is empty")
    if text.count("@") > 1 and any(sep in text for sep in ";, "):
        return EmailResult.fail(
            raw, f"{raw!r} holds more than one e-mail address; map them to separate entries"
        )
    if _is_plain_address(text):
        local, _, domain = text.rpartition("@")
        value = f"{local}@{domain.lower()}"
        # built directly, not through ``ok``: this runs for nearly every address
        return EmailResult(raw=raw, value=value, valid=True, match_key=email_match_key(value))
    return _normalise_with_email_validator(raw, text)


@lru_cache(maxsize=SLOW_PATH_CACHE_SIZE)
def _normalise_with_email_validator(raw: str, text: str) -> EmailResult:
    try:
        checked = validate_email(text, check_deliverability=False, allow_display_name=True)
    except EmailNotValidError as exc:
        return EmailResult.fail(raw, f"{raw!r} is not a valid e-mail address: {exc}")
    value = checked.normalized
    return EmailResult.ok(raw, value, match_key=email_match_key(value))


# A conservative ASCII shape that email-validator always accepts and normalises only by
# lower-casing the domain. Addresses of this shape skip the (much slower) full check;
# everything else goes through email-validator. tests/canonical prove the two agree.
_PLAIN_ADDRESS = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_LOCAL_PART_MAX = 64
_ADDRESS_MAX = 254


def _is_plain_address(text: str) -> bool:
    if len(text) > _ADDRESS_MAX or not _PLAIN_ADDRESS.match(text):
        return False
    local, _, domain = text.rpartition("@")
    top_level = domain.rpartition(".")[2].lower()
    return (
        len(local) <= _LOCAL_PART_MAX
        and "--" not in domain  # Punycode and other dash rules: leave them to email-validator
        and top_level not in SPECIAL_USE_DOMAIN_NAMES
    )


def email_match_key(address: str) -> str:
    """Return the key two spellings of the same mailbox share ("Mario.Rossi+x@GMail.com" ->
    "mariorossi@gmail.com"). ``address`` must already be a valid address."""
    local, _, domain = address.lower().rpartition("@")
    alias = _DOT_AND_TAG_BLIND_DOMAINS.get(domain)
    if alias is None:
        return f"{local}@{domain}"
    return f"{local.partition('+')[0].replace('.', '')}@{alias}"
