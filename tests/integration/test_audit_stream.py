"""`verify_log`: the whole event log checked in keyset pages, the same answer at any page size."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, text, update
from sqlmodel import col, select

from cases.audit import verify_chain, verify_log
from cases.models import CaseEvent
from tests.integration.conftest import County
from tests.integration.test_case_service import _inspected

pytestmark = pytest.mark.integration


def _three_cases(county: County) -> list[int]:
    return [_inspected(county, index=i).id for i in range(3)]


@pytest.mark.parametrize("batch_size", [1, 2, 5, 20_000])
def test_intact_log_counts_every_case_and_event(county: County, batch_size: int) -> None:
    ids = _three_cases(county)
    with county.session() as s:
        total = s.exec(select(func.count()).select_from(CaseEvent)).one()
        result = verify_log(s, batch_size=batch_size)
        assert s.in_transaction() is False  # every page ended its read transaction
    assert (result.cases, result.events, result.broken) == (len(ids), total, None)
    assert total >= 3 * len(ids)


@pytest.mark.parametrize("batch_size", [2, 20_000])
def test_forged_payload_names_the_first_broken_event(county: County, batch_size: int) -> None:
    ids = _three_cases(county)
    with county.session() as s:
        target = s.exec(select(CaseEvent).where(CaseEvent.case_id == ids[1], CaseEvent.seq == 2)).one()
        s.execute(update(CaseEvent).where(col(CaseEvent.id) == target.id).values(payload={"forged": True}))
        s.commit()
        result = verify_log(s, batch_size=batch_size)
        chain = s.exec(select(CaseEvent).where(CaseEvent.case_id == ids[1]).order_by(col(CaseEvent.seq))).all()
    assert result.broken is not None
    assert (result.broken.case_id, result.broken.seq, result.broken.id) == (ids[1], 2, target.id)
    assert verify_chain(chain).id == target.id  # the per-case check agrees


def test_deleted_event_breaks_the_chain(county: County) -> None:
    ids = _three_cases(county)
    with county.session() as s:
        s.execute(delete(CaseEvent).where(CaseEvent.case_id == ids[2], CaseEvent.seq == 1))
        s.commit()
        result = verify_log(s, batch_size=3)
    assert result.broken is not None and (result.broken.case_id, result.broken.seq) == (ids[2], 2)


def test_forged_type_outside_the_enum_is_caught(county: County) -> None:
    ids = _three_cases(county)
    with county.session() as s:
        s.execute(text('UPDATE case_event SET event_type = \'assign","x\' WHERE case_id = :c AND seq = 1'),
                  {"c": ids[0]})
        s.commit()
        result = verify_log(s)
    assert result.broken is not None and (result.broken.case_id, result.broken.seq) == (ids[0], 1)
