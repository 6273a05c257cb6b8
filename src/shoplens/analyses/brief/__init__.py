"""The daily brief (日报): one store's day as a report (:mod:`shoplens.analyses.reports`) in any of its formats.

Building: :mod:`.build`; what it reads: :mod:`.data`; its words: :mod:`.labels`.
"""

from shoplens.analyses.brief.build import brief

__all__ = ["brief"]
