"""Subsidy figures against direct SQL, and the reconciliation on hand-made and sample data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert, text

from data_access import schema
from data_access import subsidies as sb
from data_access.types import Filters, Period, Scope

Q2 = Filters(period=Period.parse("2022Q2"))
DISTRICT = Scope.district()


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def test_every_quarter_figure_matches_a_direct_sum(sample_engine):
    table = sb.quarter_table(sample_engine, DISTRICT, Q2, date(2021, 1, 1), date(2022, 6, 30))
    assert list(table["quarter"]) == ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1", "2022Q2"]
    for row in table.itertuples():
        period = Period.parse(row.quarter)
        count, children, amount = rows(
            sample_engine,
            "SELECT COUNT(*), COUNT(DISTINCT child_id), SUM(amount) FROM subsidy_payments "
            "WHERE month >= :a AND month < :b", a=period.start, b=period.end,
        )[0]
        assert (row.person_times, row.children) == (count, children)
        assert Decimal(str(row.amount)) == Decimal(str(amount)).quantize(Decimal("0.01"))
        assert row.average == round(row.amount / row.person_times, 2)
    q2 = table.set_index("quarter").loc["2022Q2"]
    assert (q2.person_times, q2.amount) == (556, 641800.0)
    q1 = table.set_index("quarter").loc["2022Q1"]
    assert q2.vs_previous == round((641800.0 - q1.amount) / q1.amount, 4)
    assert table.set_index("quarter").loc["2021Q1"].vs_previous is None or \
        table.set_index("quarter")["vs_previous"].isna().iloc[0]


def test_quarter_table_for_one_street_sums_to_the_district(sample_engine):
    streets = [r[0] for r in rows(sample_engine, "SELECT id FROM streets")]
    parts = [sb.quarter_table(sample_engine, DISTRICT, Filters(Q2.period, street_id=s), date(2022, 4, 1),
                              date(2022, 6, 30)) for s in streets]
    assert sum(p["person_times"].iloc[0] for p in parts) == 556
    assert round(sum(p["amount"].iloc[0] for p in parts), 2) == 641800.0


def test_the_standard_steps_up_in_january_2022(sample_engine):
    steps = sb.standards_by_month(sample_engine, date(2021, 11, 1), date(2022, 3, 1))
    orphan = steps[steps["category"] == "orphan"].set_index("month")["monthly_amount"]
    assert list(orphan) == [2300.0, 2300.0, 2454.0, 2454.0]


def test_reconciliation_finds_every_planted_error_in_the_sample(sample_engine):
    unpaid = sb.unpaid_eligible(sample_engine, DISTRICT, Q2)
    wrong = sb.wrong_amounts(sample_engine, DISTRICT, Q2)
    ineligible = sb.paid_ineligible(sample_engine, DISTRICT, Q2)
    twice = sb.duplicate_payments(sample_engine, DISTRICT, Q2)
    assert list(unpaid["at_issue"]) == [2454.0] and unpaid["month"].dt.month.tolist() == [5]
    assert sorted(wrong["at_issue"]) == [-100.0, 100.0]
    assert sorted(ineligible["reason"]) == ["after_18", "after_18", "after_exit", "after_exit"]
    assert list(twice["payments"]) == [2] and list(twice["at_issue"]) == [2454.0]
    assert sb.payments_without_standard(sample_engine, DISTRICT, Q2).empty
    assert all("*" in name for name in unpaid["child_name"])
    summary = sb.reconciliation_summary(sample_engine, DISTRICT, Q2)
    assert list(summary["payments"]) == [185, 185, 186]
    assert summary["amount"].sum() == 641800.0


def test_reconciliation_respects_the_scope(sample_engine):
    street = sb.duplicate_payments(sample_engine, DISTRICT, Q2)["street_en"].iloc[0]
    street_id = street.lower()
    other = "fubao" if street_id != "fubao" else "futian"
    assert len(sb.duplicate_payments(sample_engine, Scope.street(street_id), Q2)) == 1
    assert sb.duplicate_payments(sample_engine, Scope.street(other), Q2).empty
    named = sb.duplicate_payments(sample_engine, Scope.street(street_id, show_names=True), Q2)
    assert "*" in named["child_name"].iloc[0], "lists never show names in clear"


# --- a small hand-made database --------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path_factory):
    from tests.harness import engine_for

    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_ledger")
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(schema.streets), [dict(id="futian", code="1", name_zh="福田", name_en="Futian", lat=22.5,
                                                   lon=114.0, sort_order=1)])
        conn.execute(insert(schema.subsidy_standards), [
            dict(category="orphan", valid_from=date(2021, 1, 1), valid_to=date(2022, 1, 1), monthly_amount=2300),
            dict(category="orphan", valid_from=date(2022, 1, 1), valid_to=None, monthly_amount=2454),
        ])
        conn.execute(insert(schema.children), [
            child(1, date(2010, 3, 1)),
            child(2, date(2012, 7, 9)),
        ])
        for child_id in (1, 2):
            for month in (date(2021, 12, 1), date(2022, 1, 1), date(2022, 2, 1)):
                pay(conn, child_id, month, 2300 if month.year == 2021 else 2454)
    yield engine
    engine.dispose()


def child(child_id: int, birth: date, **extra) -> dict:
    return dict(id=child_id, file_no=f"F{child_id}", name="王小明", id_number=f"99030420100101{child_id:04d}",
                gender="F", birth_date=birth, street_id="futian", category="orphan",
                **({"registered_on": date(2020, 1, 1)} | extra))


def pay(conn, child_id: int, month: date, amount, suffix: str = "") -> None:
    conn.execute(insert(schema.subsidy_payments).values(
        payment_no=f"P{month:%Y%m}-{child_id}{suffix}", child_id=child_id, month=month, category="orphan",
        street_id="futian", amount=amount, paid_on=month.replace(day=10)))


WINTER = Filters(period=Period("quarter", 2021, 4))


def findings(engine, start=date(2021, 12, 1), end=date(2022, 3, 1)) -> dict[str, int]:
    return {fn.__name__: len(fn(engine, DISTRICT, WINTER, start, end)) for fn in (
        sb.unpaid_eligible, sb.wrong_amounts, sb.paid_ineligible, sb.duplicate_payments, sb.payments_without_standard)}


def test_a_clean_ledger_has_nothing_to_report(ledger):
    assert set(findings(ledger).values()) == {0}
    summary = sb.reconciliation_summary(ledger, DISTRICT, WINTER, date(2021, 12, 1), date(2022, 3, 1))
    assert list(summary["eligible"]) == list(summary["paid_children"]) == [2, 2, 2]
    assert list(summary["due"]) == list(summary["amount"]) == [4600.0, 4908.0, 4908.0]


def test_each_kind_of_error_is_found(ledger):
    with ledger.begin() as conn:
        conn.execute(text("DELETE FROM subsidy_payments WHERE child_id = 2 AND month = :m"), {"m": date(2022, 2, 1)})
        conn.execute(text("UPDATE subsidy_payments SET amount = 2300 WHERE child_id = 1 AND month = :m"),
                     {"m": date(2022, 1, 1)})
        pay(conn, 1, date(2022, 2, 1), 2454, "-again")
        conn.execute(insert(schema.children).values(child(3, date(2004, 1, 15), registered_on=date(2022, 1, 1))))
        conn.execute(insert(schema.children).values(child(4, date(2011, 1, 1), exited_on=date(2021, 12, 20))))
        pay(conn, 3, date(2022, 1, 1), 2454)   # turned 18 on 2022-01-15
        pay(conn, 4, date(2022, 1, 1), 2454)   # left the register in December
        pay(conn, 1, date(2020, 12, 1), 2300)  # before any standard
    assert findings(ledger) == {"unpaid_eligible": 1, "wrong_amounts": 1, "paid_ineligible": 2,
                                "duplicate_payments": 1, "payments_without_standard": 0}
    assert len(sb.payments_without_standard(ledger, DISTRICT, WINTER, date(2020, 12, 1), date(2021, 1, 1))) == 1
    wrong = sb.wrong_amounts(ledger, DISTRICT, WINTER, date(2021, 12, 1), date(2022, 3, 1))
    assert list(wrong["at_issue"]) == [-154.0]
    reasons = sb.paid_ineligible(ledger, DISTRICT, WINTER, date(2021, 12, 1), date(2022, 3, 1))
    assert dict(zip(reasons["child_id"], reasons["reason"])) == {3: "after_18", 4: "after_exit"}


def test_one_payment_can_be_in_several_lists(ledger):
    with ledger.begin() as conn:
        conn.execute(insert(schema.children).values(child(7, date(2011, 1, 1), exited_on=date(2021, 12, 20))))
        pay(conn, 7, date(2022, 1, 1), 2000)  # after the exit, and short of the standard
    lists = sb.reconciliation(ledger, DISTRICT, WINTER, date(2021, 12, 1), date(2022, 3, 1))
    assert list(lists["ineligible"]["payment_no"]) == list(lists["wrong_amount"]["payment_no"]) == ["P202201-7"]
    assert list(lists["ineligible"]["at_issue"]) == [2000.0] and list(lists["wrong_amount"]["at_issue"]) == [-454.0]
    assert lists["no_standard"].empty and lists["duplicate"].empty


def test_turning_18_on_the_last_day_of_a_month_ends_eligibility_for_that_month(ledger):
    with ledger.begin() as conn:
        conn.execute(insert(schema.children), [child(5, date(2004, 1, 31)), child(6, date(2004, 2, 1))])
        pay(conn, 5, date(2022, 1, 1), 2454)
        pay(conn, 6, date(2022, 1, 1), 2454)
    reasons = sb.paid_ineligible(ledger, DISTRICT, WINTER, date(2022, 1, 1), date(2022, 2, 1))
    assert list(reasons["child_id"]) == [5]


def test_months_without_payments(ledger):
    summary = sb.reconciliation_summary(ledger, DISTRICT, WINTER, date(2023, 1, 1), date(2023, 3, 1))
    assert list(summary["payments"]) == [0, 0] and list(summary["eligible"]) == [2, 2]
    assert sb.payments_by_month(ledger, DISTRICT, WINTER, date(2023, 1, 1), date(2023, 3, 1)).empty
    table = sb.quarter_table(ledger, DISTRICT, WINTER, date(2023, 1, 1), date(2023, 3, 31))
    assert list(table["person_times"]) == [0] and table["average"].isna().all()
