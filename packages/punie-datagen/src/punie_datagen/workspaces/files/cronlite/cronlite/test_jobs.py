from datetime import datetime, timedelta

import pytest

from cronlite.jobs import DuplicateJob, Scheduler, UnknownJob

MONDAY_9 = datetime(2024, 6, 3, 9, 0)


def test_due_jobs_are_sorted_by_name():
    scheduler = Scheduler()
    scheduler.add("zeta", "0 9 * * *", lambda: None)
    scheduler.add("alpha", "0 * * * *", lambda: None)
    scheduler.add("never-now", "30 9 * * *", lambda: None)
    assert [job.name for job in scheduler.due(MONDAY_9)] == ["alpha", "zeta"]


def test_a_job_runs_once_per_minute():
    calls = []
    scheduler = Scheduler()
    scheduler.add("tick", "* * * * *", lambda: calls.append(1))
    scheduler.run_pending(MONDAY_9)
    scheduler.run_pending(MONDAY_9 + timedelta(seconds=30))
    scheduler.run_pending(MONDAY_9 + timedelta(minutes=1))
    assert len(calls) == 2


def test_failures_are_recorded_and_disable_the_job():
    def broken() -> None:
        raise RuntimeError("disk full")

    scheduler = Scheduler(max_failures=2)
    scheduler.add("backup", "* * * * *", broken)
    first = scheduler.run_pending(MONDAY_9)
    assert first[0].ok is False
    assert first[0].error == "RuntimeError: disk full"
    scheduler.run_pending(MONDAY_9 + timedelta(minutes=1))
    assert scheduler.get("backup").enabled is False
    assert scheduler.run_pending(MONDAY_9 + timedelta(minutes=2)) == []


def test_resume_clears_failures():
    scheduler = Scheduler(max_failures=1)
    scheduler.add("flaky", "* * * * *", lambda: 1 / 0)
    scheduler.run_pending(MONDAY_9)
    scheduler.resume("flaky")
    job = scheduler.get("flaky")
    assert job.enabled and job.failures == 0


def test_duplicate_and_unknown_names():
    scheduler = Scheduler()
    scheduler.add("report", "@daily", lambda: None)
    with pytest.raises(DuplicateJob):
        scheduler.add("report", "@hourly", lambda: None)
    with pytest.raises(UnknownJob):
        scheduler.remove("nothing")


def test_next_runs_soonest_first():
    scheduler = Scheduler()
    scheduler.add("daily", "@daily", lambda: None)
    scheduler.add("quarter", "*/15 * * * *", lambda: None)
    scheduler.add("paused", "* * * * *", lambda: None)
    scheduler.pause("paused")
    assert scheduler.next_runs(MONDAY_9) == [
        (datetime(2024, 6, 3, 9, 15), "quarter"),
        (datetime(2024, 6, 4, 0, 0), "daily"),
    ]


def test_missed_counts_firings_without_a_run():
    scheduler = Scheduler()
    scheduler.add("quarter", "*/15 * * * *", lambda: None)
    scheduler.run_pending(MONDAY_9 + timedelta(minutes=15))
    missed = scheduler.missed(MONDAY_9, MONDAY_9 + timedelta(hours=1))
    assert missed == {"quarter": 4}
