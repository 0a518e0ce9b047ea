"""Password hashing with argon2id (argon2-cffi), with costs from the settings."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crmhub.web.errors import InvalidInput
from crmhub.web.settings import PasswordHashing

MIN_PASSWORD_LENGTH = 10


class Passwords:
    """Hashes and verifies passwords; one per app (costs come from its settings)."""

    def __init__(self, cost: PasswordHashing) -> None:
        self._hasher = PasswordHasher(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_cost_kib,
            parallelism=cost.parallelism,
        )
        # Verified against when the user name is unknown, so that the answer takes as long
        # as for a real user and does not tell which names exist.
        self._decoy = self._hasher.hash("no user has this password")

    def hash(self, password: str) -> str:
        """The argon2id PHC string of ``password`` (refuses one shorter than 10 characters)."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(
                f"the password has {len(password)} characters; "
                f"it needs at least {MIN_PASSWORD_LENGTH}",
                hint="a passphrase of a few words is easy to remember and hard to guess",
            )
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True if ``password`` matches ``stored_hash`` (None: an unknown user, always False)."""
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and (
                stored_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True if ``stored_hash`` was made with other costs than the current ones."""
        return self._hasher.check_needs_rehash(stored_hash)
