"""Logging for crmhub: one handler on stderr, and a filter that keeps personal data and secrets out.

Every line that passes a handler set up here is masked first:

* e-mail addresses keep their domain only: ``***@example.it``;
* phone numbers keep their last two digits: ``+** *** *** **67``;
* codici fiscali are hidden whole; IBANs keep the country and the last four characters;
* passwords inside URLs (``scheme://user:***@host``) and every secret value resolved from a
  ``${...}`` reference (see ``register_secret``) are replaced by ``***``.

``SecretStr`` values print as ``**********`` by themselves; the filter covers the values that were
resolved into plain strings on their way to a client library.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

SECRET_MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words everywhere

# Dates and times look like phone numbers to a regex; these are left alone.
_DATE_LIKE = re.compile(
    r"^(?:\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[ T]\d{2})?"
    r"|(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-]\d{2,4}(?: \d{2})?)$"
)
_MIN_PHONE_DIGITS = 8


def _keep_last(text: str, keep: int, *, skip_first: int = 0) -> str:
    """Replace letters and digits with ``*`` except the first ``skip_first`` and last ``keep``."""
    positions = [i for i, ch in enumerate(text) if ch.isalnum()]
    hidden = set(positions[skip_first : len(positions) - keep])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if digits < _MIN_PHONE_DIGITS or _DATE_LIKE.match(text.strip()):
        return text
    return _keep_last(text, 2)


@dataclass(frozen=True, slots=True)
class MaskRule:
    """One kind of personal data: how to find it and what to print instead."""

    name: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str]], str]


#: Applied in this order; URL passwords first, so that ``user:pw@host`` is not read as an e-mail.
MASK_RULES: tuple[MaskRule, ...] = (
    MaskRule(
        "url password",
        re.compile(r"(\b[a-zA-Z][\w+.-]*://[^:/@\s]*:)[^@\s/]+@"),
        lambda m: f"{m.group(1)}{SECRET_MASK}@",
    ),
    MaskRule(
        "e-mail",
        re.compile(r"\b[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"),
        lambda m: f"{SECRET_MASK}@{m.group(1)}",
    ),
    MaskRule(
        "codice fiscale",
        re.compile(
            r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z]"
            r"[0-9LMNPQRSTUV]{3}[A-Z]\b",
            re.IGNORECASE,
        ),
        lambda m: "*" * len(m.group(0)),
    ),
    MaskRule(
        "iban",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"),
        lambda m: _keep_last(m.group(0), 4, skip_first=2),
    ),
    MaskRule("phone", re.compile(r"(?<![\w*])\+?\d[\d ().-]{5,}\d(?![\w*])"), _mask_phone),
)


class _SecretRegistry:
    """Secret values resolved in this process, masked wherever they appear in a log line."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if len(value) < MIN_SECRET_LENGTH or value in self._values:
            return
        with self._lock:
            self._values.add(value)
            longest_first = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in longest_first))

    def mask(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(SECRET_MASK, text) if pattern else text

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._pattern = None


_secrets = _SecretRegistry()


def register_secret(value: str) -> None:
    """Mask ``value`` in every log line from now on (called when a secret reference is resolved)."""
    _secrets.add(value)


def forget_secrets() -> None:
    """Drop every registered secret (for tests)."""
    _secrets.clear()


def mask_secrets(text: str) -> str:
    """``text`` with every registered secret value replaced by ``***`` (for error messages)."""
    return _secrets.mask(text)


def mask_text(text: str) -> str:
    """``text`` with secrets and personal data masked (see the module docstring)."""
    text = _secrets.mask(text)
    for rule in MASK_RULES:
        text = rule.pattern.sub(rule.replace, text)
    return text


class PersonalDataFilter(logging.Filter):
    """A handler filter that masks the message, its arguments and any traceback of each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_HANDLER_MARK = "_crmhub_handler"


def level_for(verbosity: int) -> int:
    """WARNING by default, INFO with ``-v``, DEBUG with ``-vv``."""
    return logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG


def setup_logging(verbosity: int = 0, stream: IO[str] | None = None) -> logging.Handler:
    """Send log records to ``stream`` (stderr) through the masking filter; safe to call again."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(PersonalDataFilter())
    root.addHandler(handler)
    root.setLevel(level_for(verbosity))
    return handler


def install_masking(handler: logging.Handler) -> None:
    """Add the masking filter to a handler crmhub did not create (Airflow's task log, say)."""
    if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
        handler.addFilter(PersonalDataFilter())
