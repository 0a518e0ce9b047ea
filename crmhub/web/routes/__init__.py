"""The workbench's routes: pages (``*_pages``) and the JSON API (``api``)."""
