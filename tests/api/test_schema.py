"""Schemathesis over the OpenAPI schema, as each role: no answer is a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.conftest import Server

ROLES = ("source", "checker", "officer", "auditor")


@pytest.mark.slow
def test_no_generated_input_makes_the_server_fail(server: Server) -> None:
    # The event feed never ends: it is covered by its own tests.
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json").exclude(path="/v1/events")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    calls = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case: schemathesis.Case) -> None:
            nonlocal calls
            for role in ROLES:
                auth = {"Authorization": f"Bearer {server.keys[role]}"}
                response = case.call(base_url=server.url, headers=auth)
                calls += 1
                assert response.status_code < 500, f"{role}: {response.status_code} {response.text}"

        no_server_error()
    assert calls >= len(operations) * len(ROLES) * 5
