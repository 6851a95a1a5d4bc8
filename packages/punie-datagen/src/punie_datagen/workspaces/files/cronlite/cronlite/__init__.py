"""Cron-style schedules and an in-process job runner."""

from cronlite.jobs import Job, Run, Scheduler
from cronlite.spec import CronSpec, CronSyntaxError, parse

__all__ = ["CronSpec", "CronSyntaxError", "Job", "Run", "Scheduler", "parse"]
