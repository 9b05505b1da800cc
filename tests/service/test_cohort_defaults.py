"""The default coverage weight and fairness of a cohort run have one home
(``matcher.cohorts.defaults.DEFAULTS``): the library, the CLI, the API schema and the pages
all read that object, so they cannot drift apart again (pages had fairness 0.5, API and
CLI 0)."""

from __future__ import annotations

import inspect

import matcher.cohorts
from matcher.cli import cohorts as cli_cohorts
from matcher.cli import build_parser
from matcher.cohorts.defaults import DEFAULTS
from matcher.cohorts.groups import form_groups
from service.api import cohort_schemas as schemas
from service.pages import cohorts as pages_cohorts


def test_one_defaults_object_everywhere():
    assert matcher.cohorts.DEFAULTS is DEFAULTS
    assert cli_cohorts.DEFAULTS is DEFAULTS
    assert schemas.COHORT_DEFAULTS is DEFAULTS
    assert pages_cohorts.COHORT_DEFAULTS is DEFAULTS


def test_the_defaults_are_used_by_the_library_cli_api_and_form(app):
    params = inspect.signature(form_groups).parameters
    assert params["coverage"].default == DEFAULTS.coverage and params["fairness"].default == DEFAULTS.fairness
    args = build_parser().parse_args(["cohorts", "teachers.csv"])
    assert args.coverage == DEFAULTS.coverage and args.fairness is None  # None: DEFAULTS.fairness unless --fair
    run = schemas.CohortRunIn()
    assert run.fairness == DEFAULTS.fairness and run.coverage == DEFAULTS.coverage
    with app.test_request_context("/"):
        assert float(pages_cohorts._form_defaults()["fairness"]) == DEFAULTS.fairness
    assert f"{DEFAULTS.fairness:g}" in {value for value, _, _ in pages_cohorts.FAIRNESS}  # a choice the form offers
