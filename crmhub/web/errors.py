"""Errors the workbench raises on purpose; each knows its HTTP status and its CLI exit code.

Pages render them as an error page with the message and hint; the JSON API answers
``{"error": message, "hint": hint}``; the command line prints them through
``crmhub.cli.failures`` (they are ``CrmhubError``s).
"""

from __future__ import annotations

from crmhub.errors import CrmhubError, ExitCode


class WebError(CrmhubError):
    """Base class: a request that cannot be served as asked."""

    http_status: int = 400
    exit_code = ExitCode.USAGE


class InvalidInput(WebError):
    """A form field or parameter with a value that cannot be used."""

    http_status = 400


class NotAuthenticated(WebError):
    """No valid session cookie or API token came with the request."""

    http_status = 401


class Forbidden(WebError):
    """The user is known but their role does not allow this."""

    http_status = 403


class CsrfRejected(Forbidden):
    """A form was posted without the CSRF token of the page it came from."""


class NotFound(WebError):
    """The thing asked for does not exist."""

    http_status = 404


class Conflict(WebError):
    """The request clashes with what is stored (a user name already taken)."""

    http_status = 409


class TooManyLogins(WebError):
    """Too many failed logins for one user name from one address."""

    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_s = retry_after_s


class ActionUnavailable(WebError):
    """An action whose engine is not wired into this workbench (see ``actions.py``)."""

    http_status = 501
    exit_code = ExitCode.FAILURE
