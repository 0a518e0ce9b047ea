#!/usr/bin/env bash
# System packages crmhub needs beyond Python: unixODBC and the Debian ODBC drivers used by the
# `sql` connector and its tests (the drivers register as "MariaDB Unicode" and "PostgreSQL Unicode"
# / "PostgreSQL ANSI" in /etc/odbcinst.ini). Idempotent: safe to run on a machine that has them.
set -euo pipefail

# chromium: the steward workbench's browser test (Playwright drives Debian's build; its own
# browser download cannot work here). postgresql-client and sqlite3: the operations guide's
# backup and restore steps, which tests/docker runs word for word.
PACKAGES=(unixodbc unixodbc-dev odbcinst odbc-mariadb odbc-postgresql chromium postgresql-client sqlite3)

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
    "${SUDO[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

odbcinst -q -d
