"""Tests for matcher/errors.py: the hierarchy, and that ``matcher`` raises nothing else on bad input.

The scan below reads every module of ``matcher`` (no import needed) and fails on a plain
``raise ValueError/TypeError/KeyError(...)`` or a ``ValidationError`` raised without issues:
those reach the service as a problem response with an empty ``errors`` list.
"""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

import matcher
from matcher.errors import (
    InfeasibleError,
    Issue,
    MatcherError,
    ParameterError,
    UnknownIdError,
    UnknownTeacherError,
    UnknownThemeError,
    ValidationError,
)

PACKAGE = Path(matcher.__file__).resolve().parent
PLAIN = {"ValueError", "TypeError", "KeyError"}
ISSUE_LISTS = {"ValidationError", "UnknownThemeError"}

# Files allowed to keep some offending raises, with how many and why. Keep it tiny (empty now).
ALLOWED: dict[str, tuple[int, str]] = {}


def _offences(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Raise) or node.exc is None:
            continue
        exc = node.exc
        call = exc if isinstance(exc, ast.Call) else None
        func = call.func if call else exc
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in PLAIN:
            found.append((node.lineno, f"raise {name}"))
        elif name in ISSUE_LISTS:
            first = call.args[0] if call and call.args else next((k.value for k in call.keywords if k.arg == "issues"), None) if call else None
            if first is None or (isinstance(first, (ast.List, ast.Tuple)) and not first.elts):
                found.append((node.lineno, f"{name} without issues"))
    return sorted(found)


def _scan() -> dict[str, list[tuple[int, str]]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        hits = _offences(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        if hits:
            out[rel] = hits
    return out


def test_the_scan_catches_what_it_should():
    code = """
def f(x):
    raise ValueError("bad")
def g():
    raise errors.ValidationError([], summary="no issues")
def h():
    raise ValidationError(issues=())
def ok(issues):
    raise ValidationError(issues)
def fine():
    raise ParameterError("k", 0, "must be >= 1")
"""
    assert [what for _, what in _offences(ast.parse(code))] == [
        "raise ValueError",
        "ValidationError without issues",
        "ValidationError without issues",
    ]


def test_matcher_raises_matcher_errors_with_issues_on_bad_input():
    over = {}
    for rel, hits in _scan().items():
        allowed = ALLOWED.get(rel, (0, ""))[0]
        if len(hits) > allowed:
            over[rel] = hits
    assert not over, "raise a MatcherError subclass carrying Issues instead:\n" + "\n".join(
        f"  matcher/{rel}:{line}: {what}" for rel, hits in over.items() for line, what in hits
    )


def test_the_allow_list_is_not_stale():
    found = _scan()
    stale = {rel: (n, len(found.get(rel, ()))) for rel, (n, _) in ALLOWED.items() if len(found.get(rel, ())) < n}
    assert not stale, f"lower or remove these ALLOWED entries (allowed, found): {stale}"


# ---- the hierarchy -----------------------------------------------------------------------


def test_every_matcher_error_is_a_value_error_with_issues():
    errors = [
        ValidationError([Issue(3, "name", "", "must not be empty")]),
        ParameterError("k", 0, "must be >= 1"),
        UnknownThemeError([Issue(None, "challenges", "singin", "unknown theme", "singing")]),
        UnknownIdError("example_id", "nope", "unknown practice example id"),
        UnknownTeacherError("t-9"),
        InfeasibleError("7 teachers cannot fill 2 groups of 4"),
    ]
    for err in errors:
        assert isinstance(err, MatcherError) and isinstance(err, ValueError)
        assert isinstance(err.issues, tuple)
    assert all(err.issues for err in errors[:-1])
    assert InfeasibleError("x", issues=[Issue(None, "size", "4", "too small")]).issues[0].field == "size"


def test_errors_survive_pickling_as_from_a_worker_process():
    errors = [
        ValidationError([Issue(3, "name", "", "must not be empty")], summary="1 problem"),
        ParameterError("k", 0, "must be >= 1"),
        UnknownIdError("example_id", "nope", "unknown practice example id"),
        UnknownTeacherError("t-9", field="keep_apart"),
        InfeasibleError("no way"),
    ]
    for err in errors:
        back = pickle.loads(pickle.dumps(err))  # noqa: S301 (our own bytes)
        assert type(back) is type(err) and str(back) == str(err) and back.issues == err.issues
    assert pickle.loads(pickle.dumps(errors[3])).teacher_id == "t-9"  # noqa: S301


def test_parameter_error_reads_as_one_line_and_is_also_a_type_error():
    err = ParameterError("diversity", 2, "must be a number from 0 to 1")
    assert str(err) == "diversity must be a number from 0 to 1, got 2"
    assert isinstance(err, TypeError) and isinstance(err, ValidationError)
    assert err.issues == (Issue(None, "diversity", "2", "must be a number from 0 to 1"),)
    assert ParameterError("texts", "ukulele", "must be a list").issues[0].value == "ukulele"
    assert str(ParameterError("k", 0, "x", summary="custom words")) == "custom words"


def test_long_values_are_cut_in_issues():
    err = ParameterError("texts", "a" * 1000, "must be a list")
    assert len(err.issues[0].value) == 200 and len(str(err)) < 300


def test_unknown_ids_are_key_errors_that_read_well():
    err = UnknownTeacherError("t-9", field="keep_apart")
    assert isinstance(err, KeyError) and isinstance(err, UnknownIdError)
    assert str(err) == "unknown teacher id 't-9'"  # not KeyError's quoted repr
    assert err.teacher_id == "t-9" and err.issues[0].field == "keep_apart" and err.issues[0].value == "t-9"
    block = UnknownIdError("name", "themes", "unknown block", valid="blocks are a, b")
    assert str(block) == "unknown block 'themes'; blocks are a, b"
    assert block.issues[0].message == "unknown block; blocks are a, b"


def test_validation_error_lists_every_issue_under_its_summary():
    err = ValidationError([Issue(2, "a", "x", "bad"), Issue(3, "b", None, "missing")], summary="2 problems")
    assert str(err).splitlines() == ["2 problems", "  - line 2, field 'a': bad (got 'x')", "  - line 3, field 'b': missing"]


# ---- converted raises carry an issue naming the argument -----------------------------------


@pytest.fixture(scope="module")
def cohort():
    from matcher.places.schools import load_schools
    from matcher.profiles.teacher import Cohort, TeacherProfile

    return Cohort.from_profiles(
        [
            TeacherProfile(id="a", name="Sam", school_urn=100049, strengths=("singing",)),
            TeacherProfile(id="b", name="Priya", school_urn=100050, challenges=("singing",)),
            TeacherProfile(id="c", name="Jo", school_urn=101243, challenges=("send",)),
        ],
        load_schools(),
    )


def _calls(cohort):
    from matcher.affinity.terms import AffinityOptions, AffinityWeights, teacher_arrays
    from matcher.affinity.vectorize import ProfileVectorizer
    from matcher.graph.network import peer_graph
    from matcher.graph.views import centrality
    from matcher.peers.suggest import PeerIndex, suggest_peers
    from matcher.places.meeting import MeetingRange
    from matcher.practice.catalogue import load_catalogue
    from matcher.practice.recommend import PracticeWeights, recommend_for_group, recommend_for_teacher
    from matcher.practice.text import text_similarity
    from matcher.profiles.themes import validate_themes
    from matcher.samples.generate import generate_teachers

    catalogue = load_catalogue()
    sam = cohort.get("a")
    return {
        "k": lambda: peer_graph(cohort, k=0),
        "candidates": lambda: peer_graph(cohort, candidates=("geo", "postcode")),
        "search_block": lambda: peer_graph(cohort, search_block=1),
        "measure": lambda: centrality(peer_graph(cohort, k=1), measure="closeness"),
        "diversity": lambda: suggest_peers(cohort, "a", diversity=3),
        "exclude": lambda: suggest_peers(cohort, "a", exclude="b"),
        "AffinityWeights.interests": lambda: AffinityWeights(interests=-1),
        "AffinityWeights.complementarity": lambda: AffinityWeights(complementarity=0, interests=0, context=0, practicality=0),
        "keep_apart": lambda: PeerIndex.build(cohort, options=AffinityOptions(keep_apart=(("a", "zz"),))),
        "schools": lambda: ProfileVectorizer().fit(list(cohort)),
        "text_weight": lambda: ProfileVectorizer(text_weight=-1).fit(cohort),
        "X": lambda: ProfileVectorizer().fit([]),
        "PracticeWeights.diversity": lambda: PracticeWeights(diversity=1.5),
        "suggested_peers": lambda: recommend_for_teacher(sam, catalogue=catalogue, cohort=cohort, suggested_peers="b"),
        "profiles": lambda: recommend_for_group([sam, sam], catalogue=catalogue, cohort=cohort),
        "texts": lambda: text_similarity("ukulele", catalogue),
        "catalogue": lambda: text_similarity(["ukulele"], None),
        "example_id": lambda: catalogue.get("no-such-example"),
        "challenges": lambda: validate_themes("singing", field="challenges"),
        "n": lambda: generate_teachers(-1),
        "lat": lambda: MeetingRange(lat=[95.0], lon=[0.0], reach_km=[5.0], in_person_only=[False]),
        "cohort": lambda: teacher_arrays(type(cohort)(profiles=(), schools=cohort.schools)),
    }


FIELDS = [
    "k", "candidates", "search_block", "measure", "diversity", "exclude", "AffinityWeights.interests",
    "AffinityWeights.complementarity", "keep_apart", "schools", "text_weight", "X", "PracticeWeights.diversity",
    "suggested_peers", "profiles", "texts", "catalogue", "example_id", "challenges", "n", "lat", "cohort",
]  # fmt: skip


@pytest.mark.parametrize("field", FIELDS)
def test_bad_input_raises_a_matcher_error_naming_the_field(cohort, field):
    with pytest.raises(MatcherError) as caught:
        _calls(cohort)[field]()
    err = caught.value
    assert err.issues, f"{type(err).__name__} without issues: {err}"
    assert err.issues[0].field == field
    assert str(err).strip()
