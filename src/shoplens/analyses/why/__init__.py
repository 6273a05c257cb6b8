"""Root cause: why did a metric move? ``why(wh, "gmv", day=date(2026, 10, 26))``.

The change against a reference period (wow, previous, yoy, or the baseline: the mean of the 4 earlier periods on
the same weekdays) split over the metric's factors (LMDI) and over the values of each dimension (own change, or
rate + mix effect for ratios), dimensions ranked the Adtributor way, and one sentence in English and Chinese.
Arithmetic: :mod:`.contributions`; reading: :mod:`.query`; baseline means: :mod:`.baseline`; assembling:
:mod:`.answer`; words: :mod:`.words`.
"""

from shoplens.analyses.why.answer import WhyResult, why

__all__ = ["WhyResult", "why"]
