"""Jobs on cron schedules, and a scheduler that runs the ones that are due.

The scheduler has no thread of its own: the caller passes the current time to
`run_pending` (from a loop, a timer or a test), which keeps it easy to test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cronlite.spec import CronSpec, parse


class DuplicateJob(ValueError):
    """A job with this name is already scheduled."""


class UnknownJob(KeyError):
    """No job has this name."""


@dataclass
class Job:
    name: str
    schedule: CronSpec
    action: Callable[[], object] = field(repr=False)
    enabled: bool = True
    last_run: datetime | None = None
    failures: int = 0


@dataclass(frozen=True)
class Run:
    """One execution of a job: when, and whether it raised."""

    job: str
    at: datetime
    ok: bool
    error: str = ""


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class Scheduler:
    """Named jobs; a job is disabled after `max_failures` failures in a row."""

    max_failures: int = 3
    jobs: dict[str, Job] = field(default_factory=dict)
    history: list[Run] = field(default_factory=list)

    def add(self, name: str, expression: str, action: Callable[[], object]) -> Job:
        if name in self.jobs:
            raise DuplicateJob(name)
        job = Job(name, parse(expression), action)
        self.jobs[name] = job
        return job

    def get(self, name: str) -> Job:
        try:
            return self.jobs[name]
        except KeyError:
            raise UnknownJob(name) from None

    def remove(self, name: str) -> None:
        self.get(name)
        del self.jobs[name]

    def pause(self, name: str) -> None:
        self.get(name).enabled = False

    def resume(self, name: str) -> None:
        job = self.get(name)
        job.enabled = True
        job.failures = 0

    def due(self, now: datetime) -> list[Job]:
        """Enabled jobs that fire in this minute and have not run in it yet, by name."""
        minute = _minute(now)
        found = []
        for name in sorted(self.jobs):
            job = self.jobs[name]
            if not job.enabled or not job.schedule.matches(minute):
                continue
            if job.last_run is not None and _minute(job.last_run) == minute:
                continue
            found.append(job)
        return found

    def run_pending(self, now: datetime) -> list[Run]:
        """Run every due job once; failures are recorded, never raised."""
        runs = []
        for job in self.due(now):
            try:
                job.action()
            except Exception as exc:
                job.failures += 1
                run = Run(job.name, now, False, f"{type(exc).__name__}: {exc}")
                if job.failures >= self.max_failures:
                    job.enabled = False
            else:
                job.failures = 0
                run = Run(job.name, now, True)
            job.last_run = now
            runs.append(run)
        self.history.extend(runs)
        return runs

    def next_runs(self, now: datetime) -> list[tuple[datetime, str]]:
        """When each enabled job fires next, soonest first."""
        upcoming = [
            (job.schedule.next_after(now), job.name) for job in self.jobs.values() if job.enabled
        ]
        return sorted(upcoming)

    def missed(self, since: datetime, now: datetime) -> dict[str, int]:
        """How many firing times of each job between `since` and `now` have no run."""
        ran = {(run.job, _minute(run.at)) for run in self.history}
        counts: dict[str, int] = {}
        for job in self.jobs.values():
            moment = since - timedelta(minutes=1)
            count = 0
            while True:
                moment = job.schedule.next_after(moment)
                if moment > now:
                    break
                if (job.name, moment) not in ran:
                    count += 1
            if count:
                counts[job.name] = count
        return counts
