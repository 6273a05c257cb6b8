"""Behaviour analytics: funnels, retention cohorts, user paths, segments, RFM tiers, one user's timeline.

Every analysis builds SQL over the canonical tables and runs it in the warehouse; Python only sees
aggregated rows (per step, per cohort, per path, per tier) or one user's history. Shared pieces:

- ``context.py``  which stores, which dates (local days of each store), the behaviour event relation
  (``events`` plus paid orders as ``purchase`` events for stores that import no purchase events);
- ``filters.py``  ``--where`` conditions and funnel step filters (``purchase[channel=live_stream]``);
- ``result.py``   the base of every typed result (``to_dict`` = the CLI's JSON, ``to_pandas``).
"""
