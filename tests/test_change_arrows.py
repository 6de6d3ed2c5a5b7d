"""A change's arrow follows its sign: a fall points down, a rise up, no change neither way; every change
line says what it is against."""

from __future__ import annotations

from decimal import Decimal

import pytest
from streamlit.elements.metric import _determine_delta_color_and_direction
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from catalogue.i18n import arrow, change_line, signed, signed_percent
from dashboard import layout

UP, DOWN, NONE = (MetricProto.MetricDirection.UP, MetricProto.MetricDirection.DOWN, MetricProto.MetricDirection.NONE)


def direction(delta: str | None):
    """The arrow st.metric draws for a delta as the cards pass it (layout.kpi): none when it is off."""
    arrow, colour = layout.delta_style(delta)
    if arrow == "off":
        return NONE
    return _determine_delta_color_and_direction(colour, delta).direction


@pytest.mark.parametrize("now, before, shown, expected", [
    (Decimal("430000"), Decimal("640000"), "-32.8%", DOWN),
    (Decimal("641800"), Decimal("600000"), "+7.0%", UP),
    (Decimal("641800"), Decimal("641800"), "0.0%", NONE),
    (100.0, 100.02, "0.0%", NONE),  # a change too small to show is shown as none, with no arrow
    (1, 3, "-66.7%", DOWN),
])
def test_a_relative_change_carries_its_sign_first(now, before, shown, expected):
    assert signed_percent(now, before) == shown
    assert direction(shown) == expected


def test_no_relative_change_from_nothing():
    assert signed_percent(Decimal("5"), Decimal("0")) is None


@pytest.mark.parametrize("value, expected", [(-207, DOWN), (12, UP), (0, NONE), (-0.04, NONE), (0.4, NONE)])
def test_a_difference_carries_its_sign_first(value, expected):
    assert direction(signed(value)) == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("now, before, mark", [(5, 8, "↓ -3"), (8, 5, "↑ +3"), (5, 5, "→ 0")])
def test_a_change_line_points_with_its_sign_and_names_what_it_is_against(lang, now, before, mark):
    line = layout.change(now, before, "AGAINST", lang)
    assert mark in line and "AGAINST" in line
    assert ("↑" in line) == (now > before) and ("↓" in line) == (now < before)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_share_change_is_in_points(lang):
    line = layout.share_change(0.80, 0.85, "AGAINST", lang)
    assert "↓" in line and "-5.0" in line and "AGAINST" in line
    assert "↑" in layout.share_change(0.9, 0.85, "AGAINST", lang)
    assert "—" in layout.share_change(None, 0.85, "AGAINST", lang)


def test_the_arrow_of_a_change():
    assert (arrow(-1), arrow(2), arrow(0), arrow(None)) == ("↓", "↑", "→", "")
    assert change_line(None, None, "X", "en") == "— X"


@pytest.mark.parametrize("delta", ["0", "0.0%", "0.0 个百分点", "0.0 pp", "较上期减少32.8%", "", None])
def test_an_unsigned_change_gets_no_arrow_and_no_colour(delta):
    assert layout.delta_style(delta, "inverse") == ("off", "off")


def test_a_signed_change_keeps_its_colour():
    assert layout.delta_style("-3", "inverse") == ("auto", "inverse")
    assert layout.delta_style("+1.5 pp", "normal") == ("auto", "normal")
