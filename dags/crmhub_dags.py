"""crmhub's Airflow DAGs, generated from the project's crmhub.yaml.

The project directory comes from $CRMHUB_PROJECT (or the Airflow Variable ``crmhub_project``).
One ingest DAG per connection, a match-and-merge DAG on their assets, one publish DAG per target:
see crmhub/orchestration/plan.py. This file stays thin; everything lives in crmhub.
"""

from crmhub.orchestration.factory import airflow_dags

globals().update(airflow_dags())
