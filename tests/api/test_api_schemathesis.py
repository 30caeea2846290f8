"""Schemathesis over the whole OpenAPI, authenticated as a supervisor: no input gives a 5xx.

Bounded: `MAX_EXAMPLES` generated cases per operation (plus the schema's explicit examples and
schemathesis' boundary-value coverage phase), derandomised so a run is reproducible. Responses
must also match their documented status codes and schemas.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.api.support import Api

pytestmark = pytest.mark.api
MAX_EXAMPLES = 10  # per operation; with the explicit examples, about 600 requests per database
SEEN: dict[str, list[int]] = {}


@pytest.fixture(autouse=True)
def _node_id(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's lazy loader renames `request.node._nodeid`, which pytest 9 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def api_schema(api: Api):  # noqa: ANN201
    SEEN.clear()
    case_id = api.inspected_case(0)  # some real rows for the ids the generator may hit
    api.act(case_id, "issue_rectification", "education03", when="2026-03-09 10:00")
    api.new_case(1)
    api.clock.set("2026-03-10 10:00")
    loaded = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    # the coverage phase (every boundary case) takes minutes here: API_FUZZ_PHASES=examples,coverage,fuzzing
    loaded.config.phases.update(phases=os.environ.get("API_FUZZ_PHASES", "examples,fuzzing").split(","))
    yield loaded
    statuses = Counter(code for codes in SEEN.values() for code in codes)
    print(f"\nschemathesis: {len(SEEN)} operations, {sum(statuses.values())} requests, "
          f"statuses {dict(sorted(statuses.items()))}, 5xx: {sum(n for c, n in statuses.items() if c >= 500)}")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, api: Api) -> None:  # noqa: ANN001
    response = case.call(headers=api.auth("education01"))
    if case.path.endswith("/auth/logout"):  # that session has ended: the next case signs in afresh
        api.tokens.pop("education01", None)
    SEEN.setdefault(f"{case.method} {case.path}", []).append(response.status_code)
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                             response_schema_conformance])
