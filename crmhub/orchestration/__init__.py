"""crmhub in Airflow: DAGs, pools and tasks generated from ``crmhub.yaml``.

``plan`` says what to generate (plain data, no Airflow import), ``factory`` builds the Airflow
DAGs, ``tasks`` and ``partitions`` are what the tasks run, ``pools`` creates the pools,
``source`` finds the project, ``retries`` says what is retried and how.
"""
