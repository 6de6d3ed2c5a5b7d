import pytest

from catalogue.i18n import CATALOGUE, VOCAB, format_moment, format_yuan, label, period_label, t
from data_access import schema, vocab
from data_access.types import Period


def test_every_entry_has_both_languages():
    for key, (zh, en) in CATALOGUE.items():
        assert zh and en, key
        assert zh != en or key.startswith("unit"), key


def test_every_stored_code_has_a_label():
    for name, codes in (
        ("category", vocab.CHILD_CATEGORIES),
        ("stage", vocab.STAGES),
        ("crisis_type", vocab.CRISIS_TYPES),
        ("source", vocab.REPORT_SOURCES),
        ("station_kind", vocab.STATION_KINDS),
        ("station_status", vocab.STATION_STATUSES),
        ("org_category", vocab.ORG_CATEGORIES),
        ("staff_role", vocab.STAFF_ROLES),
        ("grant_kind", vocab.GRANT_KINDS),
        ("table", tuple(t.name for t in schema.metadata.sorted_tables)),
    ):
        assert set(VOCAB[name]) == set(codes), name


def test_labels_and_formats():
    assert label("stage", "follow_up", "zh") == "跟踪回访"
    assert label("stage", "follow_up", "en") == "Follow-up"
    assert label("stage", "mystery", "en") == "mystery"
    assert period_label(Period.parse("2022Q2"), "zh") == "2022年第二季度"
    assert period_label(Period.parse("2022Q2"), "en") == "2022 Q2"
    assert period_label(Period.parse("2022-04"), "en") == "Apr 2022"
    assert period_label(Period.parse("2022"), "zh") == "2022年"
    assert format_yuan(641800, "zh") == "641,800.00 元"
    assert format_moment(None) == "—"
    assert t("kpi.stations_note", "en", covered=10, streets=10) == "in 10 of 10 streets"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_placeholders_agree_between_languages(lang):
    import string

    for key, (zh, en) in CATALOGUE.items():
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in (zh, en)]
        assert fields[0] == fields[1], key
