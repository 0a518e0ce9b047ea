"""The ``file`` connector: CSV and XLSX files, the spreadsheets many companies still run on.

Configuration: ``config.FileConnectorConfig`` (every field is described there; the engine shows
it with ``crmhub connectors spec file``). Behaviour, module by module:

* ``connector``   check / discover / read, fingerprints and checkpoints;
* ``encoding``    which encoding a CSV uses; ``decoding`` decodes it keeping bad bytes accounted;
* ``dialect``     which delimiter; ``header`` which row is the header, and its names;
* ``csv_table``, ``xlsx_table``  open a file as a ``table.Table``;
* ``rows``        rows -> records and read problems (widths, blank rows, keys, duplicates);
* ``fingerprint``, ``state``     when a file counts as unchanged.
"""

from connectors.builtin.file.config import FileConnectorConfig, FileStreamConfig
from connectors.builtin.file.connector import FileConnector
from connectors.builtin.file.errors import FileLayoutError

__all__ = ["FileConnector", "FileConnectorConfig", "FileLayoutError", "FileStreamConfig"]
