"""``crmhub demo``: a small messy world on this machine, synced in one command.

A spreadsheet (CSV), an ERP database (the local MariaDB or PostgreSQL, through ODBC) and a
fake Salesforce org on loopback hold overlapping customers written down by different hands;
the demo writes a project for them (``crmhub.yaml``, mappings both ways, targets in the ERP
and Salesforce), runs the whole cycle and shows what was merged and written where.

    demo = build_demo(Path("crmhub-demo"))
    engine = prepare_store(demo)
    run = run_demo_cycles(demo, engine)
"""

from crmhub.demo.build import Demo, DemoRun, build_demo, prepare_store, read_marker, run_demo_cycles

__all__ = ["Demo", "DemoRun", "build_demo", "prepare_store", "read_marker", "run_demo_cycles"]
