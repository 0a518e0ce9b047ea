"""A separate process for the lock tests: hold a connection lock until stdin says stop.

Usage: python lock_holder.py STORE_URL LOCK_NAME
Prints "held <pid>" once the lock is held, then waits for a line (or EOF) on stdin.
"""

from __future__ import annotations

import os
import sys

from crmhub.store import connection_lock, create_store_engine


def main(url: str, name: str) -> None:
    """Hold lock ``name`` on the store at ``url`` until stdin gives a line or closes."""
    engine = create_store_engine(url)
    with connection_lock(engine, name):
        print(f"held {os.getpid()}", flush=True)
        sys.stdin.readline()
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
