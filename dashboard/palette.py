"""The app's colours: one per child category, per risk level and per street, the same in every chart.

A chart that colours by one of these dimensions takes its colours from here, so 孤儿 or 一级·红 has
the same colour on the overview, the subsidies page, the case page and explore.
"""

from __future__ import annotations

CATEGORY = {"orphan": "#2F6F8F", "de_facto_unsupported": "#8CC0DE", "other_difficulty": "#E0A040"}
RISK = {"critical": "#C0392B", "high": "#E67E22", "medium": "#E5C04A", "low": "#4A86C5"}
# Streamlit's Markdown badge colour names for the same risk levels.
RISK_BADGE = {"critical": "red", "high": "orange", "medium": "yellow", "low": "blue"}
# A single series (one bar per street, say) that no dimension colours.
NEUTRAL = "#5B7083"
OTHER = "#9E9E9E"
# Streets and any other dimension, by position in the dimension's own order: Tableau 20 hues without the reds,
# oranges, yellows and blues that the risk levels and child categories use, so no street reads as a risk level.
SERIES = ("#59A14F", "#B07AA1", "#76B7B2", "#FF9DA7", "#9C755F", "#BAB0AC", "#499894", "#8CD17D", "#D37295",
          "#B6992D")
FIXED = {"category": CATEGORY, "risk": RISK}


def colours(dimension: str, codes: list) -> list[str]:
    """A colour for each code of ``dimension``, given in the dimension's own order.

    Categories and risk levels have fixed colours; other dimensions (streets) take the series colours
    by position, so passing every code of the dimension (every street in scope) keeps them stable.
    """
    fixed = FIXED.get(dimension)
    if fixed is not None:
        return [fixed.get(code, OTHER) for code in codes]
    return [SERIES[i % len(SERIES)] for i in range(len(codes))]
