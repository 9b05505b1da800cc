"""The OpenAPI document (``service/openapi.py``), the offline docs UI, and schemathesis.

Schemathesis generates requests for every operation from the document, valid ones and
invalid ones, and checks that the service never answers 5xx and that every answer
matches the document (status codes, content types, headers, body schemas), with
invalid requests rejected. The number of examples is bounded so the run stays short.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import ACCOUNTS
from .test_api_cohort_runs import stored_run

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}


def test_document_describes_every_error_as_a_problem(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1") and "bearerAuth" in spec["components"]["securitySchemes"]
    assert set(spec["components"]["schemas"]["Problem"]["required"]) >= {"type", "title", "status", "detail"}
    ops = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(ops) >= 25
    for path, method, op in ops:
        for code, resp in op["responses"].items():
            if code[0] in "45":
                assert list(resp["content"]) == ["application/problem+json"], (path, method, code)
        assert op["operationId"] and op.get("summary"), (path, method)


def test_docs_ui_works_offline(client):
    page = client.get("/api/v1/swagger")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not re.search(r"""(src|href)=["']https?://""", html), "the docs UI must not load anything from the network"
    for asset in re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css))["']""", html):
        with client.get(f"/api/v1/{asset}") as resp:  # static files stream; close them
            assert resp.status_code == 200 and len(resp.get_data()) > 1000, asset
    assert client.get("/api/v1/").status_code == 200


@pytest.mark.timeout(600)
def test_schemathesis(app):
    # The queue's limits (503 with Retry-After) are tested in test_jobs.py; here every valid
    # request to create a run must be accepted, however many the fuzzer sends.
    app.config.update(PEERMATCH_COHORT_QUEUE=10_000, PEERMATCH_COHORT_SHARE=10_000)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = ACCOUNTS["coord_n"].headers
    # Random ids mostly hit 404; a second pass fills in ids that exist, so that the
    # positive cases also reach the code behind the lookups.
    known = {
        "teacher_id": "n-03",
        "peer_id": "n-04",
        "run_id": stored_run(app),
        "urn": 100049,
        "example_id": "radar-diagram-composing-assessment",
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        fixed = {name: known[name] for name in names if name in known}
        passes = [(mode, examples, None) for mode, examples in EXAMPLES.items()]
        if fixed:
            passes.append((GenerationMode.POSITIVE, EXAMPLES[GenerationMode.POSITIVE], fixed))
        for mode, examples, path_parameters in passes:
            checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
            def check(case):
                # a negative case that made the Authorization header itself invalid keeps it (and
                # must be refused); every other case signs in as the coordinator
                keep_own = mode is GenerationMode.NEGATIVE and "Authorization" in (case.headers or {})
                case.headers = {**headers, **(case.headers or {})} if keep_own else {**(case.headers or {}), **headers}
                response = case.call()
                case.validate_response(response, checks=checks)

            try:
                check()
            except Unsatisfiable:
                # No invalid request exists for an operation without parameters or body.
                assert mode is GenerationMode.NEGATIVE, operation.label
