"""The shared vocabulary of practice themes.

Interests, challenges, strengths and practice examples all use these ids, so that
"my challenge" can meet "your strength".

Every theme has a ``kind``, which says how a challenge in it is met:

- ``"skill"``: a gap in know-how (composition, SEND, assessment...). It is met by a peer
  who lists the theme as a *strength*.
- ``"circumstance"``: a situation the teacher is in rather than something they lack the
  skill for. Almost nobody lists "professional isolation" as a strength; the remedy is a
  peer who shares the circumstance and has come through it. Four themes are
  circumstances:

  - ``department_of_one_workload`` and ``professional_isolation``: both come with being
    the only music teacher in a school (on the sample 42 of 44 and 39 of 46 holders are
    departments of one); another department of one with years behind them has built the
    routines and the network the holder is looking for.
  - ``wellbeing_balance``: workload pressure of running a department; met by an
    experienced peer who leads a department (or is one) and is not struggling with it.
  - ``early_career``: met by a near peer who came through the first years recently.

  ``teacher_confidence`` ("teaching outside my specialism") stays a skill: what helps is
  a peer strong in the areas the holder was not trained in, and the profile records
  those strengths, not a peer's past training. ``own_musicianship`` is a skill too.

  Who counts as "an experienced peer in the same circumstance" is defined once, in
  :func:`matcher.profiles.circumstances.experience_themes`.

Examples
--------
>>> THEMES["singing"].label, THEMES["singing"].kind, THEMES["professional_isolation"].kind
('Singing and vocal work', 'skill', 'circumstance')
>>> validate_themes(["singing", "composition"])
('singing', 'composition')
>>> validate_themes(["assesment_without_levels"])
Traceback (most recent call last):
...
matcher.errors.UnknownThemeError: 1 problem in the input
  - unknown theme (got 'assesment_without_levels'); did you mean 'assessment_without_levels'?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from ..errors import Issue, ParameterError, UnknownThemeError

__all__ = [
    "Theme", "THEMES", "THEME_IDS", "THEME_GROUPS", "THEME_KINDS", "CIRCUMSTANCE_THEMES", "closest_theme", "validate_themes",
]

THEME_GROUPS = ("pedagogy", "curriculum", "inclusion", "leadership", "technology", "wellbeing")
THEME_KINDS = ("skill", "circumstance")


@dataclass(frozen=True)
class Theme:
    """One practice theme: a stable ``id``, a human ``label``, a short ``description``, a
    ``group``, and the ``kind`` of challenge it is (``"skill"`` or ``"circumstance"``, see
    the module docstring)."""

    id: str
    label: str
    description: str
    group: str
    kind: str = "skill"


_RAW = [
    # pedagogy: what happens in the classroom
    ("whole_class_instrumental", "Whole-class instrumental teaching", "Teaching a whole class to play instruments together, e.g. ukulele, steel pans or band projects.", "pedagogy"),
    ("singing", "Singing and vocal work", "Building a singing culture: warm-ups, part-singing, confidence with reluctant singers.", "pedagogy"),
    ("listening_repertoire", "Repertoire and listening", "Choosing music to listen to and play, and teaching pupils to listen with purpose.", "pedagogy"),
    ("composition", "Composition and melody writing", "Structured composing tasks, from melody writing to whole pieces.", "pedagogy"),
    ("improvisation", "Improvisation", "Getting pupils to improvise with confidence, from call-and-response to solos.", "pedagogy"),
    ("ensemble_performance", "Performing and ensemble skills in class", "Rehearsal routines, playing together and performing to others.", "pedagogy"),
    ("notation_literacy", "Notation and musical literacy", "Teaching staff notation and other notations so that pupils can read and write music.", "pedagogy"),
    ("keyboard_skills", "Keyboard skills", "Teaching keyboard technique and chords in a class setting.", "pedagogy"),
    ("popular_music_band", "Popular music and band skills", "Guitar, bass, drums, keys and vocals in rock and pop band work.", "pedagogy"),
    ("world_music", "Music from around the world", "Teaching musical traditions from around the world with respect and depth.", "pedagogy"),
    ("behaviour_engagement", "Behaviour and engagement", "Classroom management and engagement in practical music lessons.", "pedagogy"),
    ("year9_motivation", "Motivating Key Stage 3 pupils", "Keeping Year 8 and Year 9 pupils motivated, especially before options.", "pedagogy"),
    ("differentiation", "Mixed-ability and differentiation", "Teaching classes where some pupils have years of lessons and others none.", "pedagogy"),
    # curriculum: what is taught, in what order, and how it is assessed
    ("curriculum_design", "Curriculum design", "Designing and sequencing a Key Stage 3 music curriculum.", "curriculum"),
    ("model_music_curriculum", "Using the Model Music Curriculum", "Adapting the non-statutory Model Music Curriculum to a school.", "curriculum"),
    ("assessment_without_levels", "Assessment without levels", "Assessing progress without national curriculum levels, e.g. radar diagrams of criteria.", "curriculum"),
    ("formative_feedback", "Feedback and formative assessment", "Giving feedback during practical work that pupils act on.", "curriculum"),
    ("transition_ks2_ks3", "Transition from KS2 to KS3", "Building on what pupils did at primary school, projects with feeder primaries.", "curriculum"),
    ("progression_gcse", "Progression to GCSE", "Keeping numbers up at options time and preparing pupils for GCSE music.", "curriculum"),
    ("post16_progression", "Progression to post-16", "A level, BTEC and routes beyond school for young musicians.", "curriculum"),
    ("extra_curricular", "Extra-curricular and ensembles", "Running choirs, bands and clubs outside lessons.", "curriculum"),
    ("concerts_events", "Concerts, shows and events", "Planning concerts, school shows and performances in the community.", "curriculum"),
    ("cross_curricular", "Cross-curricular projects", "Music projects with other subjects such as drama, art or languages.", "curriculum"),
    # inclusion: who gets to take part
    ("send", "SEND", "Adapting music lessons for pupils with special educational needs and disabilities.", "inclusion"),
    ("inclusion_diversity", "Inclusion and diversity", "Making music lessons and repertoire reflect and include every pupil.", "inclusion"),
    ("disadvantaged_pupils", "Disadvantaged pupils", "Closing gaps for pupils eligible for free school meals or pupil premium.", "inclusion"),
    ("instrument_access", "Access to instruments", "Getting instruments and lessons to pupils whose families cannot pay.", "inclusion"),
    ("eal_learners", "Pupils learning English", "Music teaching that works for pupils with English as an additional language.", "inclusion"),
    ("boys_participation", "Boys' participation", "Getting boys singing, performing and choosing music.", "inclusion"),
    ("stretching_able_musicians", "Stretching able musicians", "Challenging pupils who already play well or have graded exams.", "inclusion"),
    ("pupil_voice", "Pupil voice", "Letting pupils shape repertoire, projects and ensembles.", "inclusion"),
    # leadership: getting support and running a department
    ("senior_leader_support", "Working with senior leaders", "Making the case for music to senior leaders and governors.", "leadership"),
    ("music_hub_partnership", "Working with the music hub", "Using the local music hub's ensembles, instruments and training.", "leadership"),
    ("peripatetic_coordination", "Working with visiting teachers", "Organising peripatetic instrumental teachers and their timetables.", "leadership"),
    ("curriculum_time", "Protecting curriculum time", "Keeping music on the timetable and arguing for enough time.", "leadership"),
    ("budget_resources", "Budget and resources", "Running a music budget, fundraising and maintaining equipment.", "leadership"),
    ("primary_partnerships", "Partnerships with primary schools", "Working with feeder primary schools beyond transition day.", "leadership"),
    ("community_parents", "Parents and community", "Involving families and local organisations in school music.", "leadership"),
    ("department_leadership", "Leading a music department", "Leading a team, line management and planning for a department.", "leadership"),
    ("evidencing_impact", "Showing impact", "Collecting evidence of progress and impact for reports and reviews.", "leadership"),
    # technology
    ("music_technology", "Music technology", "Teaching with DAWs, sequencers and software instruments.", "technology"),
    ("recording_production", "Recording and production", "Recording performances and producing tracks with pupils.", "technology"),
    ("recording_for_assessment", "Recording work for assessment", "Capturing performances on phones or tablets for self- and peer assessment.", "technology"),
    ("tablets_apps", "Tablets and apps", "Using iPads and apps for composing and performing.", "technology"),
    ("online_collaboration", "Online collaboration", "Sharing work online, remote lessons and collaborating between schools.", "technology"),
    ("electronic_music", "Electronic music and DJ skills", "Beat-making, sampling and DJ skills in lessons.", "technology"),
    # wellbeing: the teacher's own sustainability
    ("department_of_one_workload", "Department of one workload", "Managing everything alone: teaching, ensembles, events and admin.", "wellbeing"),
    ("teacher_confidence", "Teaching outside my specialism", "Building confidence in areas outside one's own musical training.", "wellbeing"),
    ("early_career", "Early career in music teaching", "Finding one's feet in the first years of teaching music.", "wellbeing"),
    ("professional_isolation", "Professional isolation", "Having nobody to share ideas with; finding a network of music teachers.", "wellbeing"),
    ("own_musicianship", "Keeping up my own musicianship", "Staying active as a musician alongside teaching.", "wellbeing"),
    ("wellbeing_balance", "Workload and wellbeing", "Sustainable workload, boundaries and avoiding burnout.", "wellbeing"),
]

# Challenges met by a peer in the same circumstance (see the module docstring for why these).
CIRCUMSTANCE_THEMES = frozenset({"department_of_one_workload", "professional_isolation", "wellbeing_balance", "early_career"})

THEMES: MappingProxyType[str, Theme] = MappingProxyType(
    {row[0]: Theme(*row, kind="circumstance" if row[0] in CIRCUMSTANCE_THEMES else "skill") for row in _RAW}
)
THEME_IDS: tuple[str, ...] = tuple(THEMES)


def closest_theme(value: str) -> str | None:
    """The known theme id nearest to ``value`` (by id or label), or ``None`` if none is close.

    >>> closest_theme("SEND ")
    'send'
    >>> closest_theme("music tech")
    'music_technology'
    """
    key = value.strip().lower()
    if key in THEMES:
        return key
    slug = key.replace(" ", "_").replace("-", "_")
    if slug in THEMES:
        return slug
    by_label = {t.label.lower(): t.id for t in THEMES.values()}
    if key in by_label:
        return by_label[key]
    hits = difflib.get_close_matches(slug, THEME_IDS, n=1, cutoff=0.6)
    if hits:
        return hits[0]
    hits = difflib.get_close_matches(key, list(by_label), n=1, cutoff=0.6)
    if hits:
        return by_label[hits[0]]
    # A misspelt first word ("assesment") should still find "assessment_without_levels".
    heads = {t[: len(slug)]: t for t in reversed(THEME_IDS)}
    hits = difflib.get_close_matches(slug, list(heads), n=1, cutoff=0.75)
    return heads[hits[0]] if hits and len(slug) >= 4 else None


def theme_issues(values: Iterable[str], *, row: int | None = None, field: str | None = None) -> list[Issue]:
    """One :class:`Issue` per unknown theme in ``values`` (empty when all are known)."""
    return [
        Issue(row=row, field=field, value=v, message="unknown theme", suggestion=closest_theme(v))
        for v in values
        if v not in THEMES
    ]


def validate_themes(values: Iterable[str], *, row: int | None = None, field: str | None = None) -> tuple[str, ...]:
    """Return ``values`` as a tuple of known theme ids, or raise :class:`UnknownThemeError`.

    Passing a single string is a common mistake; it is rejected rather than split into letters.
    """
    if isinstance(values, str):
        raise ParameterError(
            field or "values",
            values,
            "must be a list of theme ids, not a string",
            summary="expected a list of theme ids, got a string; wrap it in a list or split on ';'",
        )
    values = tuple(values)
    issues = theme_issues(values, row=row, field=field)
    if issues:
        raise UnknownThemeError(issues)
    return values
