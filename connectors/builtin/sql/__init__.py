"""The built-in ``sql`` connector: ERP and other databases over ODBC (pyodbc + unixODBC).

Configuration (``type: sql`` in crmhub.yaml)::

    driver: MariaDB Unicode          # as `odbcinst -q -d` lists it; or connection_string: ...
    server: erp.example.local
    port: 3306
    database: erp
    user: crmhub
    password: ${ERP_PASSWORD}
    lookback_seconds: 300            # re-read this much before the saved cursor
    batch_size: 5000                 # rows per page
    streams:
      customers:
        table: anagrafica_clienti
        key: [codice]
        cursor: data_ultima_modifica
        soft_delete: {column: annullato, deleted_values: ["S"]}
        write: {table: anagrafica_clienti, id_column: crmhub_id}
      billing:
        query: SELECT c.codice, i.citta FROM clienti c JOIN indirizzi i ON ...
        key: [codice]
        cursor: data_ultima_modifica

Modules: ``config`` (the settings), ``odbc`` (connection strings, driver errors), ``dialects``
(what differs per product), ``database`` (an open connection), ``identifiers`` (quoting and
name checks), ``values`` (types, JSON conversion, comparisons), ``plans`` (config checked
against the schema), ``keyset`` (pagination), ``reader``, ``writer``, ``connector``.
"""

from connectors.builtin.sql.config import SoftDelete, SqlConfig, StreamConfig, WriteTarget
from connectors.builtin.sql.connector import SqlConnector

__all__ = ["SoftDelete", "SqlConfig", "SqlConnector", "StreamConfig", "WriteTarget"]
