"""Multi-touch attribution as a plain library (no Dagster): ``attribute(touchpoints, model)``.

Rule-based models (first/last touch, linear, position based, time decay) and data-driven ones
(Markov removal effects, Shapley values) over one prepared journeys table; see ``api.py``.
"""

from platform_assets.analytics.attribution.api import MODELS, attribute

__all__ = ["MODELS", "attribute"]
