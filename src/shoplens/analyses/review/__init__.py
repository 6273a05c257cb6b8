"""The weekly review (周复盘): one store's ISO week as a report (:mod:`shoplens.analyses.reports`) in any of its
formats, next to the daily brief.

Building: :mod:`.build`; what it reads: :mod:`.data`; which week: :mod:`.weeks`; its words: :mod:`.labels`.
"""

from shoplens.analyses.review.build import review

__all__ = ["review"]
