"""The catalogue of practice examples: schema, loading and validation (school contexts: :mod:`.contexts`).

A practice example is a short, concrete account of something a music teacher does
(a whole-class band project, a radar diagram for assessing composing...), tagged with
themes from :mod:`matcher.profiles.themes`, the key stages it was written for and the school
contexts it suits. The catalogue ships as one YAML file per example in
``data/practice/``; a file may also hold a list of examples.

Examples
--------
>>> catalogue = load_catalogue()
>>> len(catalogue) >= 60
True
>>> example = catalogue.get("radar-diagram-composing-assessment")
>>> "assessment_without_levels" in example.themes, example.time_to_try
(True, 'half a term')
>>> from matcher.profiles.teacher import TeacherProfile
>>> sorted(teacher_contexts(TeacherProfile(id="t-1", name="Sam", school_urn=1, department_size=1), None))
['department_of_one']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from ..errors import Issue, UnknownIdError, UnknownTeacherError, ValidationError
from ..places.schools import DATA_DIR
from ..profiles.themes import THEMES
from ..profiles.phrases import count_phrase
# Record checks (checks.py) and school contexts (contexts.py) have their own modules; their public
# names are importable from here too.
from .checks import (
    MAX_SUMMARY_WORDS,
    MIN_SUMMARY_WORDS,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    TIMES_TO_TRY,
    CatalogueIssue,
    check_record,
)
from .contexts import ANY_CONTEXT_FIT, CONTEXT_CONFLICTS, CONTEXTS, LARGE_DEPARTMENT_SIZE, MISMATCH_CONTEXT_FIT
from .contexts import context_conflicts, context_fit, teacher_contexts

__all__ = [
    "PracticeExample",
    "Catalogue",
    "CatalogueIssue",
    "CONTEXTS",
    "TIMES_TO_TRY",
    "REQUIRED_FIELDS",
    "OPTIONAL_FIELDS",
    "MIN_SUMMARY_WORDS",
    "MAX_SUMMARY_WORDS",
    "default_catalogue_path",
    "load_catalogue",
    "parse_examples",
    "teacher_contexts",
    "context_fit",
    "context_conflicts",
    "ANY_CONTEXT_FIT",
    "MISMATCH_CONTEXT_FIT",
    "CONTEXT_CONFLICTS",
    "LARGE_DEPARTMENT_SIZE",
]


@dataclass(frozen=True)
class PracticeExample:
    """One practice example from the catalogue.

    ``contexts`` may be empty, meaning the example suits any school; ``source`` is the
    file it was read from (empty for examples built in code).
    """

    id: str
    title: str
    summary: str
    themes: tuple[str, ...]
    key_stages: tuple[str, ...]
    contexts: tuple[str, ...]
    resources: tuple[str, ...]
    time_to_try: str
    author_teacher_id: str | None = None
    source: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        """Title, summary and theme labels: the text that free-text similarity compares with."""
        labels = ". ".join(THEMES[t].label for t in self.themes if t in THEMES)
        return f"{self.title}. {self.summary} {labels}."

    @property
    def word_count(self) -> int:
        return len(self.summary.split())

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict (``source`` left out)."""
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "themes": list(self.themes),
            "key_stages": list(self.key_stages),
            "contexts": list(self.contexts),
            "resources": list(self.resources),
            "time_to_try": self.time_to_try,
            "author_teacher_id": self.author_teacher_id,
        }


@dataclass(frozen=True)
class Catalogue:
    """The validated examples, in id order, with lookup by id."""

    examples: tuple[PracticeExample, ...]

    def __len__(self) -> int:
        return len(self.examples)

    def __iter__(self) -> Iterator[PracticeExample]:
        return iter(self.examples)

    @cached_property
    def index(self) -> Mapping[str, int]:
        """Read-only ``{example_id: position}``."""
        return MappingProxyType({e.id: i for i, e in enumerate(self.examples)})

    def get(self, example_id: str) -> PracticeExample:
        """The example with ``example_id``; raises :class:`~matcher.errors.UnknownIdError` (a ``KeyError``) naming it."""
        try:
            return self.examples[self.index[example_id]]
        except KeyError:
            raise UnknownIdError("example_id", example_id, "unknown practice example id") from None

    def by_author(self, teacher_id: str) -> tuple[PracticeExample, ...]:
        """Examples written by ``teacher_id`` (possibly none)."""
        return tuple(e for e in self.examples if e.author_teacher_id == teacher_id)

    def check_authors(self, teacher_ids: Iterable[str]) -> None:
        """Raise :class:`UnknownTeacherError` for the first author not among ``teacher_ids``."""
        known = set(teacher_ids)
        for e in self.examples:
            if e.author_teacher_id is not None and e.author_teacher_id not in known:
                raise UnknownTeacherError(e.author_teacher_id)


def default_catalogue_path() -> Path:
    """``$PEERMATCH_PRACTICE_DIR`` or the shipped ``data/practice/`` folder."""
    return Path(os.environ.get("PEERMATCH_PRACTICE_DIR", DATA_DIR / "practice"))


def load_catalogue(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """Read and validate every ``*.yaml``/``*.yml``/``*.json`` file of a folder (or one file).

    Parameters
    ----------
    path
        A folder of example files, or a single file; defaults to :func:`default_catalogue_path`.

    Returns
    -------
    Catalogue
        The examples sorted by id.

    Raises
    ------
    ValidationError
        Listing every problem in every file (file, line, field, value, suggestion).
    FileNotFoundError
        If ``path`` does not exist.
    """
    root = Path(path) if path is not None else default_catalogue_path()
    if not root.exists():
        raise FileNotFoundError(f"practice catalogue not found: {root}")
    files = [root] if root.is_file() else sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    # Keyed on modification times, so a notebook that edits a file sees the change.
    return _read_all(tuple((str(f), f.stat().st_mtime_ns) for f in files))


@lru_cache(maxsize=8)
def _read_all(files: tuple[tuple[str, int], ...]) -> Catalogue:
    issues: list[Issue] = []
    records: list[_Record] = []
    for name, _ in files:
        text = Path(name).read_text(encoding="utf-8-sig")
        issues_here, records_here = _parse_file(text, Path(name).name)
        issues += issues_here
        records += records_here
    if not files:
        issues.append(CatalogueIssue(None, None, None, "no example files (*.yaml, *.yml, *.json) found", file=""))
    examples, more = _build(records)
    issues += more
    if issues:
        raise ValidationError(issues, summary=f"{count_phrase(len(issues), 'problem')} in the practice catalogue")
    return Catalogue(tuple(sorted(examples, key=lambda e: e.id)))


def parse_examples(text: str, *, file: str = "<string>") -> Catalogue:
    """Validate the examples in one YAML/JSON document (a mapping or a list of mappings).

    Examples
    --------
    >>> parse_examples("id: x\\ntitle: T\\nthemes: [singin]", file="x.yaml")
    Traceback (most recent call last):
    ...
    matcher.errors.ValidationError: 6 problems in the practice catalogue
      - x.yaml, line 1, field 'summary': missing required field
      - x.yaml, line 1, field 'key_stages': missing required field
      - x.yaml, line 1, field 'contexts': missing required field
      - x.yaml, line 1, field 'resources': missing required field
      - x.yaml, line 1, field 'time_to_try': missing required field
      - x.yaml, line 3, field 'themes': unknown theme (got 'singin'); did you mean 'singing'?
    """
    issues, records = _parse_file(text, file)
    examples, more = _build(records)
    issues += more
    if issues:
        raise ValidationError(issues, summary=f"{count_phrase(len(issues), 'problem')} in the practice catalogue")
    return Catalogue(tuple(sorted(examples, key=lambda e: e.id)))


# (file, line, the parsed YAML record, {field: line})
_Record = tuple[str, int, Any, dict[str, int]]


def _parse_file(text: str, file: str) -> tuple[list[Issue], list[_Record]]:
    """YAML (JSON is YAML) into ``(file, line, record, {field: line})`` tuples, or an issue."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return [CatalogueIssue(line, None, None, f"not valid YAML/JSON: {getattr(exc, 'problem', exc)}", file=file)], []
    if data is None or node is None:
        return [CatalogueIssue(None, None, None, "empty file", file=file)], []
    if isinstance(data, dict):
        items, nodes = [data], [node]
    elif isinstance(data, list):
        items, nodes = data, list(node.value)
    else:
        return [CatalogueIssue(1, None, None, "expected a mapping (one example) or a list of mappings", file=file)], []
    records: list[_Record] = []
    for item, item_node in zip(items, nodes):
        lines: dict[str, int] = {}
        if isinstance(item_node, yaml.MappingNode):
            lines = {k.value: k.start_mark.line + 1 for k, _ in item_node.value}
        records.append((file, item_node.start_mark.line + 1, item, lines))
    return [], records


def _build(records: Iterable[_Record]) -> tuple[list[PracticeExample], list[Issue]]:
    issues: list[Issue] = []
    examples: list[PracticeExample] = []
    first_seen: dict[str, str] = {}
    for file, line, item, lines in records:
        found = check_record(item, file, line, lines)
        issues += found
        if found:
            continue
        ex_id = item["id"]
        if ex_id in first_seen:
            issues.append(CatalogueIssue(lines.get("id", line), "id", ex_id, f"duplicate example id (first used in {first_seen[ex_id]})", file=file))
            continue
        first_seen[ex_id] = f"{file}, line {lines.get('id', line)}"
        examples.append(
            PracticeExample(
                id=ex_id,
                title=item["title"].strip(),
                summary=" ".join(item["summary"].split()),
                themes=tuple(item["themes"]),
                key_stages=tuple(item["key_stages"]),
                contexts=tuple(item["contexts"]),
                resources=tuple(r.strip() for r in item["resources"]),
                time_to_try=item["time_to_try"],
                author_teacher_id=item.get("author_teacher_id"),
                source=file,
            )
        )
    return examples, issues
