"""Schedules: Airflow presets and five-field cron expressions."""

from __future__ import annotations

import pytest

from crmhub.config.schedule import schedule_problem


@pytest.mark.parametrize(
    "value",
    [
        "@daily",
        "@hourly",
        "@once",
        "*/15 * * * *",
        "0 6 * * mon-fri",
        "30 2 1,15 * *",
        "0 0 * jan-mar sun",
        "5-55/10 8-18 * * 1-5",
        "0 0 29 2 *",
    ],
)
def test_valid_schedules(value: str) -> None:
    assert schedule_problem(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("@daly", "unknown preset '@daly'"),
        ("* * * *", "has 4"),
        ("61 * * * *", "minute field '61': values run from 0 to 59"),
        ("0 24 * * *", "hour field"),
        ("0 0 0 * *", "day of month field"),
        ("0 0 * 13 *", "month field"),
        ("0 0 * * fri-mon", "runs backwards"),
        ("*/0 * * * *", "step of 0"),
        ("0 0 * * funday", "day of week field"),
    ],
)
def test_invalid_schedules_say_why(value: str, expected: str) -> None:
    problem = schedule_problem(value)
    assert problem is not None and expected in problem
