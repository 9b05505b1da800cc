"""The before/after questionnaire of a round: its questions, their wording and direction.

Every teacher in a round's published groups answers a short questionnaire twice: before
the round (when the groups are published) and after it (in its last weeks or once it has
ended). Each answer is a rating 1-5:

- one **confidence** question per challenge of the teacher's own profile, worded from
  the theme's label (:func:`matcher.profiles.phrases.theme_phrase`): "How confident do you
  feel about singing and vocal work?", 1 = not at all confident ... 5 = very confident;
  higher is better;
- the programme's two themes, as statements rated 1 = strongly disagree ... 5 = strongly
  agree: ``isolation`` "I feel professionally isolated in my music teaching." (**lower is
  better**) and ``connection`` "I have other music teachers I can turn to for ideas and
  support." (higher is better).

The analysis (:mod:`.outcomes`) turns every answer into a *score* where higher is better
(:func:`oriented`: isolation is reverse-scored, 6 - rating), so a positive change always
means things got better.

Examples
--------
>>> [q.key for q in questions_for(["singing"])]
['singing', 'isolation', 'connection']
>>> questions_for(["singing"])[0].text
'How confident do you feel about singing and vocal work?'
>>> check_answers({"singing": 4, "isolation": 2}, ["singing"])
{'singing': 4, 'isolation': 2}
>>> try:
...     check_answers({"singing": 6, "sining": 3}, ["singing"])
... except ValidationError as err:
...     for issue in err.issues: print(issue)
field 'answers.singing': must be a whole number 1-5 (got '6')
field 'answers.sining': not a question of this questionnaire (got 'sining'); did you mean 'singing'?
>>> oriented("isolation", 2), oriented("connection", 2)
(4, 2)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import Issue, ValidationError
from ..profiles.phrases import theme_phrase
from ..profiles.themes import THEMES

__all__ = [
    "PHASES",
    "PROGRAMME_THEMES",
    "SCALE",
    "CONFIDENCE_LABELS",
    "AGREEMENT_LABELS",
    "Question",
    "questions_for",
    "check_answers",
    "oriented",
    "measure_of",
]

#: Answered once before a round and once after it.
PHASES = ("before", "after")
#: Ratings are whole numbers in this range.
SCALE = (1, 5)
CONFIDENCE_LABELS = ("Not at all confident", "Slightly confident", "Somewhat confident", "Fairly confident", "Very confident")
AGREEMENT_LABELS = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")


@dataclass(frozen=True)
class Question:
    """One question: its answer key, its wording, the labels of 1..5 and which way is better.

    ``higher_is_better`` is ``False`` for a statement of a bad state (feeling isolated):
    its ratings are reverse-scored by :func:`oriented`.
    """

    key: str
    text: str
    labels: tuple[str, ...]
    higher_is_better: bool = True
    kind: str = "challenge"  # "challenge" (one of the teacher's) or "programme"


#: The programme's own themes, asked of everyone, in this order.
PROGRAMME_THEMES: Mapping[str, Question] = {
    "isolation": Question("isolation", "I feel professionally isolated in my music teaching.", AGREEMENT_LABELS, higher_is_better=False, kind="programme"),
    "connection": Question("connection", "I have other music teachers I can turn to for ideas and support.", AGREEMENT_LABELS, kind="programme"),
}


def questions_for(challenges: Iterable[str]) -> list[Question]:
    """The questions for a teacher with these challenges: one per challenge, then the programme's.

    Unknown theme ids are skipped (a profile's challenges are validated where they are
    stored; an old answer key may name a theme that left the vocabulary). Repeats are
    asked once.

    >>> [q.key for q in questions_for(["send", "send"])]
    ['send', 'isolation', 'connection']
    """
    seen: list[str] = []
    for theme in challenges:
        if theme in THEMES and theme not in seen and theme not in PROGRAMME_THEMES:
            seen.append(theme)
    own = [Question(t, f"How confident do you feel about {theme_phrase([t])}?", CONFIDENCE_LABELS) for t in seen]
    return [*own, *PROGRAMME_THEMES.values()]


def check_answers(answers: Mapping[str, object], challenges: Sequence[str]) -> dict[str, int]:
    """``answers`` checked against the questions for ``challenges``: keys known, ratings 1-5.

    Questions may be left out (a teacher can skip one), but at least one must be answered.

    Raises
    ------
    ValidationError
        Every problem at once, each naming its field ``answers.<key>``: an unknown key
        (with the closest question as a suggestion), a rating that is not a whole number
        1-5 (``True`` is not a rating), or no answer at all.
    """
    keys = [q.key for q in questions_for(challenges)]
    issues: list[Issue] = []
    out: dict[str, int] = {}
    for key, value in answers.items():
        if key not in keys:
            close = difflib.get_close_matches(str(key), keys, n=1)
            issues.append(Issue(None, f"answers.{key}", str(key), "not a question of this questionnaire", close[0] if close else None))
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not SCALE[0] <= value <= SCALE[1]:
            issues.append(Issue(None, f"answers.{key}", str(value), f"must be a whole number {SCALE[0]}-{SCALE[1]}"))
            continue
        out[key] = value
    if not answers:
        issues.append(Issue(None, "answers", None, "answer at least one question"))
    if issues:
        raise ValidationError(issues)
    return out


def oriented(key: str, rating: float) -> float:
    """A rating turned into a score where higher is better (isolation: ``6 - rating``)."""
    question = PROGRAMME_THEMES.get(key)
    if question is not None and not question.higher_is_better:
        return SCALE[0] + SCALE[1] - rating
    return rating


def measure_of(key: str) -> str:
    """What an answer counts towards in the report: ``"challenges"`` or the programme theme.

    >>> measure_of("singing"), measure_of("isolation")
    ('challenges', 'isolation')
    """
    return key if key in PROGRAMME_THEMES else "challenges"
