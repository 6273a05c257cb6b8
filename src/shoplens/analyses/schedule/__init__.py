"""Scheduled jobs (issue #13): the ``schedule:`` section, a small cron evaluator, and the runner of
`shoplens schedule run` whose runs are kept in the warehouse (:mod:`shoplens.warehouse.schedule_table`)."""

from shoplens.analyses.schedule.config import RUNS, Job, load_schedule, parse_schedule
from shoplens.analyses.schedule.cron import Cron, CronError, parse_cron
from shoplens.analyses.schedule.runner import Run, due_now, last_runs, next_due, run_due, run_forever, run_job

__all__ = ["RUNS", "Cron", "CronError", "Job", "Run", "due_now", "last_runs", "load_schedule", "next_due",
           "parse_cron", "parse_schedule", "run_due", "run_forever", "run_job"]
