"""Sentences that synthetic teachers use to describe their practice.

:func:`write_about` assembles the free-text ``about`` of a generated teacher from an
opening about their context, one or two sentences about their challenges, one about
a strength and sometimes a closing remark about meeting. Every theme in
:mod:`matcher.profiles.themes` has its own challenge and strength sentences, so a text always
talks about what the profile says. Choices come from a vector of uniform numbers
drawn by the caller's seeded generator, so the text is deterministic.

>>> ctx = dict(pupils="1,200", borough="Lewisham", dept=1, years=12, role="head_of_music",
...            ks5=False, school_kind="academy", mode="either", km=8, pref="mixed", slot="Wednesday")
>>> text = write_about(ctx, ("singing", "budget_resources"), ("whole_class_instrumental",), [0.1] * 14)
>>> text.startswith("Only music teacher")
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..profiles.themes import THEME_IDS, THEMES

__all__ = ["CHALLENGE_SENTENCES", "STRENGTH_SENTENCES", "write_about"]

# theme id -> sentences a teacher might write about finding this hard.
CHALLENGE_SENTENCES: dict[str, tuple[str, ...]] = {
    "whole_class_instrumental": (
        "I'd like to get whole-class ukulele going in Year 7 but have no idea how to manage 30 at once.",
        "Whole-class keyboard lessons turn into chaos after ten minutes.",
        "Tried a whole-class samba project last year and it fell apart by week three.",
    ),
    "singing": (
        "Struggling to get Year 9 boys singing.",
        "Singing in class is a real battle, especially with Year 8.",
        "I'm not a confident singer myself, so whole-class singing is the thing I avoid.",
    ),
    "listening_repertoire": (
        "My listening lessons feel dry and I keep falling back on the same pieces.",
        "I want a listening curriculum that goes beyond 'dead white composers' without being tokenistic.",
    ),
    "composition": (
        "Composition is where KS3 falls apart: they don't know where to start with a blank page.",
        "Composing tasks end up as random notes on the keyboard.",
    ),
    "improvisation": (
        "Pupils freeze when I ask them to improvise.",
        "I never learned to improvise myself, so I find it hard to teach.",
    ),
    "ensemble_performance": (
        "Getting a class to play together in time is harder than I expected.",
        "Class performances are messy and rehearsal time is always too short.",
    ),
    "notation_literacy": (
        "How much notation should Year 7 really learn? Half of them can't read a rhythm by Christmas.",
        "Staff notation loses a lot of my classes.",
    ),
    "keyboard_skills": (
        "Keyboard skills are weak across KS3 and some keyboards don't even have working headphones.",
        "Pupils pick one finger and stick with it; I'd love a better way to teach keyboard technique.",
    ),
    "popular_music_band": (
        "Band work in Year 9 is loud, chaotic and hard to assess.",
        "I'm classically trained and feel out of my depth teaching guitar and drums.",
    ),
    "world_music": (
        "I want to teach music from around the world properly, not just a two-week gamelan unit.",
        "Worried my world music unit is a bit of a tourist tour.",
    ),
    "behaviour_engagement": (
        "Behaviour in practical lessons is my biggest worry: once instruments come out I lose them.",
        "Some Year 8 groups are really hard to settle, especially last period.",
        "Classroom management in a practical room is a different game and I'm still learning it.",
    ),
    "year9_motivation": (
        "Year 9 have mentally checked out of music before options.",
        "Keeping Year 8 and 9 motivated when music is one lesson a fortnight is tough.",
    ),
    "differentiation": (
        "Some of my Year 7s have grade 5 piano and others have never touched an instrument.",
        "Pitching lessons for mixed ability is a constant headache.",
    ),
    "curriculum_design": (
        "I inherited a KS3 curriculum that is a list of topics with no real progression.",
        "I'm rewriting the KS3 curriculum and not sure how to sequence it.",
    ),
    "model_music_curriculum": (
        "Not sure how to use the Model Music Curriculum without throwing out what works.",
        "SLT keep asking if we 'follow the MMC' and I'm not sure what that should look like.",
    ),
    "assessment_without_levels": (
        "Assessment without levels still confuses me; we're still using made-up sub-levels.",
        "I need an assessment system for KS3 that is quick and actually means something.",
        "Tracking progress in practical work without levels feels impossible with 400 pupils.",
    ),
    "formative_feedback": (
        "Feedback in practical lessons is hard when 30 kids are playing at once.",
        "I struggle to give feedback that pupils actually act on.",
    ),
    "transition_ks2_ks3": (
        "Year 7s arrive with wildly different experiences from primary and I start from scratch.",
        "We have no idea what our feeder primaries do in music.",
    ),
    "progression_gcse": (
        "GCSE numbers are dropping every year and the course might not run.",
        "Hardly anyone opts for GCSE music and I want to change that.",
    ),
    "post16_progression": (
        "A level numbers are tiny and the sixth form keeps threatening to cut the course.",
        "Not sure how to advise pupils who want to carry on with music after 16.",
    ),
    "extra_curricular": (
        "Extra-curricular is me on my own every lunchtime and I'm running out of steam.",
        "Can't get pupils to commit to clubs after school.",
    ),
    "concerts_events": (
        "Concerts take over my life for six weeks every term.",
        "Organising the school show alone nearly broke me last year.",
    ),
    "cross_curricular": (
        "I'd love to do projects with drama or languages but never find the time to plan them.",
        "Cross-curricular work always seems to mean music doing the backing track for someone else.",
    ),
    "send": (
        "I have several pupils with EHCPs in every class and little support in practical lessons.",
        "Adapting practical work for pupils with SEND is something I want to get much better at.",
    ),
    "inclusion_diversity": (
        "I want the curriculum to reflect who our pupils actually are.",
        "Our repertoire is quite narrow and I know it.",
    ),
    "disadvantaged_pupils": (
        "Most of our pupil premium kids never take part in anything musical outside lessons.",
        "Closing the gap for disadvantaged pupils in music is a school priority and I'm not sure where to start.",
    ),
    "instrument_access": (
        "Very few pupils have instruments at home, so practice outside lessons is impossible.",
        "Instrumental lessons cost more than most of our families can pay.",
        "We don't have enough instruments to go round, so half the class waits while the other half plays.",
    ),
    "eal_learners": (
        "Lots of new arrivals with very little English; I'd love ideas for making lessons work for them.",
        "A big share of my classes are EAL and the musical vocabulary is a real barrier.",
    ),
    "boys_participation": (
        "Getting boys to perform, especially sing, gets harder every year.",
        "Boys drop out of everything musical after Year 8.",
    ),
    "stretching_able_musicians": (
        "My grade 6 and 7 players are bored in KS3 lessons.",
        "Not sure how to stretch the pupils who already have private lessons.",
    ),
    "pupil_voice": (
        "I'd like pupils to have more say in what we play, but it tends to turn into a playlist war.",
        "Pupil voice surveys tell me they want more pop, and I'm not sure how to square that with the curriculum.",
    ),
    "senior_leader_support": (
        "SLT see music as a nice extra, not a subject.",
        "Getting senior leaders to back music is a constant fight.",
        "No real line management for music; nobody on SLT knows what I do.",
    ),
    "music_hub_partnership": (
        "We don't get much from the local music hub and I'm not sure what to ask for.",
        "Haven't managed to make the hub partnership work for our school yet.",
    ),
    "peripatetic_coordination": (
        "Timetabling the visiting instrumental teachers is a nightmare.",
        "Peri lessons keep clashing with core subjects and I'm stuck in the middle.",
    ),
    "curriculum_time": (
        "Music has been cut to one lesson a fortnight in Year 9.",
        "KS3 music is on a carousel, so I see each class for half the year.",
    ),
    "budget_resources": (
        "The budget is tiny and half the keyboards need replacing.",
        "Our department budget barely covers strings and batteries.",
    ),
    "primary_partnerships": (
        "I'd love to work with our feeder primaries but can't get out of school to visit.",
        "Links with primary schools have dried up since the last head of music left.",
    ),
    "community_parents": (
        "Getting parents to concerts is hard; turnout is tiny.",
        "I'd like to involve families and local groups more but don't know where to begin.",
    ),
    "department_leadership": (
        "I've just become head of department and I'm learning to manage people who have taught longer than me.",
        "Leading a team while teaching a full timetable is hard.",
    ),
    "evidencing_impact": (
        "I'm asked to show impact for music and I don't know what evidence counts.",
        "Our deep dive is coming and I'm worried about showing progress.",
    ),
    "music_technology": (
        "I'd like to do more music tech but I only have a handful of working computers.",
        "Music technology is a gap for me; I'm a classical pianist and DAWs scare me a bit.",
    ),
    "recording_production": (
        "I'd love to record pupils properly but don't know where to start with mics and mixing.",
        "Recording and production would engage my classes but I lack the know-how.",
    ),
    "recording_for_assessment": (
        "Recording every performance for assessment takes forever and the files end up everywhere.",
        "I want to use recordings for peer assessment but the logistics beat me.",
    ),
    "tablets_apps": (
        "We've been given a set of iPads and I'm not sure how to use them well.",
        "Apps for composing seem great but I don't know which ones actually work in class.",
    ),
    "online_collaboration": (
        "I'd like my pupils to collaborate with another school online but don't know how to set it up.",
        "Sharing work online is a mess of emails and USB sticks.",
    ),
    "electronic_music": (
        "Pupils want to make beats and I don't know how to teach it.",
        "Beat-making and DJ skills are what the kids want and I'm out of my depth.",
    ),
    "department_of_one_workload": (
        "Being the only music teacher means everything from the concert to the stock cupboard is on me.",
        "Running a department of one is exhausting: teaching, clubs, shows and admin.",
        "I do every ensemble, every event and every bit of admin myself.",
    ),
    "teacher_confidence": (
        "Teaching outside my own instrument makes me nervous.",
        "My confidence dips when I have to teach styles I never studied.",
    ),
    "early_career": (
        "Still finding my feet: everything takes me three times as long to plan.",
        "First years of teaching are a steep learning curve and I'd love people to check ideas with.",
    ),
    "professional_isolation": (
        "I've nobody to bounce ideas off.",
        "The whole-school training never fits music and I feel quite isolated.",
        "Some weeks I don't talk to another musician at all.",
    ),
    "own_musicianship": (
        "I've stopped playing myself and miss it.",
        "My own practice has fallen away since I started teaching.",
    ),
    "wellbeing_balance": (
        "Workload is getting on top of me and I'd like to know how others manage.",
        "I'm working most evenings and weekends and it isn't sustainable.",
    ),
}

# theme id -> sentences a teacher might write about something they do well.
STRENGTH_SENTENCES: dict[str, tuple[str, ...]] = {
    "whole_class_instrumental": (
        "Our Year 7 ukulele project works really well: every pupil plays in the winter concert.",
        "I've built a whole-class steel pans programme that pupils love.",
        "Whole-class brass in Year 7 with the hub has been a big success.",
    ),
    "singing": (
        "Singing is strong here: every lesson starts with a warm-up and the KS3 choir has 60 members.",
        "I've got boys singing in parts, which I'm quite proud of.",
        "I run a big lunchtime choir and singing is part of every KS3 lesson.",
    ),
    "listening_repertoire": (
        "I've put together a listening programme that goes from Bach to Afrobeats.",
        "I'm good at finding repertoire pupils actually want to play.",
    ),
    "composition": (
        "Composition is my thing: I use step-by-step tasks that get everyone writing melodies.",
        "Our Year 8 film music composing project gets great results.",
    ),
    "improvisation": (
        "I use call-and-response and blues improvisation from Year 7, and pupils get really confident with it.",
        "Improvisation is something I love teaching.",
    ),
    "ensemble_performance": (
        "I've got solid rehearsal routines that make class performances work.",
        "Every KS3 unit ends in a performance and pupils rise to it.",
    ),
    "notation_literacy": (
        "I've found a way into notation that works, starting from rhythm grids.",
        "Pupils leave Year 7 reading rhythms confidently thanks to a short daily routine.",
    ),
    "keyboard_skills": (
        "Keyboard skills are a strength: pupils get chords and both hands going early.",
        "I've written a keyboard scheme that even the reluctant ones get through.",
    ),
    "popular_music_band": (
        "Band skills are a strength of the department; Year 9 rock school is the most popular unit.",
        "I play in a function band and teach pop and band skills with confidence.",
    ),
    "world_music": (
        "I've developed units on West African drumming and Indian classical music with real depth.",
        "World music is a strength; we have links with local musicians from several traditions.",
    ),
    "behaviour_engagement": (
        "Practical lessons run smoothly now: clear routines for getting instruments out and away.",
        "I'm good at getting tricky classes engaged in practical work.",
    ),
    "year9_motivation": (
        "Year 9 projects based on pupils' own music have kept them keen.",
        "I've turned Year 9 around with a project-based term they actually enjoy.",
    ),
    "differentiation": (
        "I plan lessons with several routes through each task so all levels are stretched.",
        "Mixed-ability classes are where I'm strongest.",
    ),
    "curriculum_design": (
        "I've rewritten our KS3 curriculum around a clear spiral of skills.",
        "Curriculum design is a strength: our KS3 builds properly from Year 7 to 9.",
    ),
    "model_music_curriculum": (
        "I've mapped our curriculum against the Model Music Curriculum and kept what works.",
        "I've adapted the MMC to our school and am happy to share how.",
    ),
    "assessment_without_levels": (
        "We assess KS3 with radar diagrams of skills, which pupils understand and SLT like.",
        "I've built a simple assessment model without levels that works for practical work.",
    ),
    "formative_feedback": (
        "Live feedback during practical work is something I've got good at.",
        "Pupils use recordings and peer feedback to improve their performances.",
    ),
    "transition_ks2_ks3": (
        "We run a Year 6 transition project with our feeder primaries that gives Year 7 a flying start.",
        "Transition is a strength: I visit the primaries and know what pupils did before.",
    ),
    "progression_gcse": (
        "GCSE numbers have gone up three years running.",
        "I've got a good pipeline from KS3 into GCSE music.",
    ),
    "post16_progression": (
        "Our A level and BTEC groups are healthy and several pupils go on to study music.",
        "I've got lots of experience advising pupils about music after school.",
    ),
    "extra_curricular": (
        "We run a choir, a jazz band, two rock bands and a string group.",
        "Extra-curricular is thriving: over 150 pupils in ensembles each week.",
        "I've built extra-curricular up from nothing to five ensembles.",
    ),
    "concerts_events": (
        "Our concerts and school show are a highlight of the school year.",
        "I'm good at organising concerts without it taking over my life.",
    ),
    "cross_curricular": (
        "I've done some nice cross-curricular projects with the drama and art departments.",
        "Cross-curricular work is a strength: our Year 8 project with geography was a hit.",
    ),
    "send": (
        "SEND is a strength: I adapt instruments and tasks so every pupil takes part.",
        "I used to work in a special school, so adapting practical work for SEND is second nature.",
    ),
    "inclusion_diversity": (
        "I've made our repertoire much more diverse and pupils see themselves in it.",
        "Inclusion is at the heart of what we do.",
    ),
    "disadvantaged_pupils": (
        "We've got pupil premium students into ensembles through targeted invitations and free lessons.",
        "I've worked hard on access for disadvantaged pupils and participation is up.",
    ),
    "instrument_access": (
        "We run an instrument loan scheme, so any pupil can take an instrument home.",
        "Through the hub and some fundraising, every pupil who wants lessons gets them.",
    ),
    "eal_learners": (
        "I've developed very visual, practical lessons that work for new arrivals with little English.",
        "Lots of my pupils are EAL and I've found music is where they shine.",
    ),
    "boys_participation": (
        "Boys' participation is strong here; the boys' choir is the biggest ensemble.",
        "I've had real success getting boys performing.",
    ),
    "stretching_able_musicians": (
        "I run an advanced musicians' programme to stretch pupils with grades.",
        "I'm good at stretching able musicians with extension tasks and leadership roles.",
    ),
    "pupil_voice": (
        "Pupils choose repertoire and lead ensembles, and engagement has shot up.",
        "I run a pupil music council that shapes what we do.",
    ),
    "senior_leader_support": (
        "I've got SLT on side and music now has a protected place in the timetable.",
        "Good at making the case for music to senior leaders and governors.",
    ),
    "music_hub_partnership": (
        "We work closely with the local music hub: ensembles, instrument loans and CPD.",
        "The hub partnership is a strength; they run our whole-class programme with us.",
    ),
    "peripatetic_coordination": (
        "I've got peri timetabling down to a fine art with a rotating timetable.",
        "We have a big team of visiting teachers and it runs smoothly.",
    ),
    "curriculum_time": (
        "I've kept music at one hour a week through KS3 by making the case every year.",
        "Protected curriculum time for music is something I've fought for and won.",
    ),
    "budget_resources": (
        "I've fundraised for new instruments and know how to stretch a small budget.",
        "Good at finding grants and cheap kit.",
    ),
    "primary_partnerships": (
        "We run a primary choir festival with six feeder schools.",
        "I've got strong links with our primaries through joint projects.",
    ),
    "community_parents": (
        "Parents and local groups are very involved in our concerts.",
        "We perform in the community a lot, from care homes to the local festival.",
    ),
    "department_leadership": (
        "I've led a music department for years and enjoy developing colleagues.",
        "Leading a team is a strength; I mentor trainees and new staff.",
    ),
    "evidencing_impact": (
        "I'm good at collecting evidence of progress: recordings, pupil voice and data.",
        "We came through a music deep dive well and I can share what helped.",
    ),
    "music_technology": (
        "Music tech is a strength: KS3 use BandLab and we've got a small studio.",
        "I've used Logic and Ableton for years and bring DAWs into every key stage.",
    ),
    "recording_production": (
        "We record pupils regularly and some have released tracks.",
        "Recording and production are my background, so pupils get real studio skills.",
    ),
    "recording_for_assessment": (
        "Pupils record themselves on iPads every lesson, which makes assessment easy.",
        "I've got a simple system for recording and storing performances for assessment.",
    ),
    "tablets_apps": (
        "I use iPads and GarageBand with KS3 and it really works.",
        "Good at using apps for composing with reluctant pupils.",
    ),
    "online_collaboration": (
        "We've done online projects with schools abroad and shared work through Teams.",
        "I've got online collaboration working smoothly with shared folders and BandLab.",
    ),
    "electronic_music": (
        "I DJ and produce myself, so beat-making units are popular here.",
        "Our electronic music unit gets the Year 9s who don't do anything else musically.",
    ),
    "department_of_one_workload": (
        "I've learned to run a department of one without burning out, with a lot of routines and saying no.",
        "Years as a department of one have taught me to keep everything simple.",
    ),
    "teacher_confidence": (
        "I've taught well outside my specialism and am happy to share how I built confidence.",
        "Having come in from another subject, I know what helps non-specialists.",
    ),
    "early_career": (
        "I remember the first years well and enjoy supporting ECTs.",
        "Trained recently, so I'm up to date with current research.",
    ),
    "professional_isolation": (
        "I've built a network of music teachers across the borough.",
        "I started a local music teachers' meet-up.",
    ),
    "own_musicianship": (
        "I still gig most weekends and bring that into lessons.",
        "I keep playing and composing myself, which keeps lessons fresh.",
    ),
    "wellbeing_balance": (
        "I've got a sustainable workload now and strong boundaries.",
        "I'm good at keeping workload sane.",
    ),
}

_OPEN_ONE = (
    "Only music teacher in {a_pupils}-pupil school in {borough}.",
    "Only music teacher in {a_pupils}-pupil school, so I run choir and everything else myself.",
    "I'm a department of one at {a_kind} in {borough}.",
    "Head of music, but the department is just me.",
    "Sole music teacher here ({pupils} pupils), which means I do everything from KS3 to the school show.",
    "Department of one in {borough}, teaching every class in the school.",
)
_OPEN_HEAD = (
    "Head of a {dept_word}-person music department in {borough}.",
    "I lead a department of {dept_word} at {a_kind} in {borough}.",
    "We're a department of {dept_word} at {a_pupils}-pupil {school_kind} in {borough}; I'm head of music.",
)
_OPEN_TEAM = (
    "One of {dept_word} music teachers at {a_kind} in {borough}.",
    "I teach mostly KS3 in a department of {dept_word}.",
    "We're a department of {dept_word} at {a_pupils}-pupil {school_kind} in {borough}.",
)
_OPEN_TRUST = (
    "I lead music across our trust and still teach KS3 at {a_kind} in {borough}.",
    "Trust lead for music, teaching part-time in a department of {dept_word} in {borough}.",
)
_OPEN_ECT = (
    "I'm in my {ordinal} year of teaching, at {a_kind} in {borough}.",
    "ECT in {borough}, {ordinal} year in the classroom.",
    "{ordinal_cap} year of teaching after a PGCE, still learning every day.",
)
_OPEN_NON = (
    "I'm not a music specialist: I trained in {subject} but teach KS3 music.",
    "Non-specialist here, originally a {subject} teacher, now teaching most of KS3 music.",
    "I teach KS3 music alongside {subject}, which is my main subject.",
)
_OPEN_LONG = (
    "I've been teaching music for {years} years, most of them in {borough}.",
    "Over {years_floor} years in the classroom and still love it.",
    "{years} years of teaching music, the last few at {a_kind} in {borough}.",
)
_OPEN_KS5 = ("I teach right up to A level as well as KS3.", "We have a sixth form, so I teach A level too.")
_CHALLENGE_LEAD = ("", "", "", "Biggest headache at the moment: ", "Honestly, ", "Right now ", "My main worry: ")
_STRENGTH_LEAD = ("", "", "On the plus side, ", "Something that works: ", "Happy to share: ")
_LABEL_ASK = (
    "Would love ideas on {label}.",
    "Keen to hear how others approach {label}.",
    "Also looking for help with {label}.",
)
_CLOSE = {
    "online": ("Online meetings suit me best.", "Would prefer to meet online; I can't get away from school easily."),
    "in_person": ("Happy to travel up to about {km} km to meet face to face.", "I'd much rather meet in person than on Teams."),
    "either": ("{slot} after school is usually best for me.", "Flexible about meeting online or in person."),
}
_PREF = {
    "similar": ("Keen to meet people in schools like mine.", "Would value talking to others who are also on their own."),
    "different": ("I'd like to see how it's done in a very different school.", "Looking for fresh ideas from a different kind of school."),
    "mixed": (),
}
_SUBJECTS = ("drama", "English", "maths", "PE", "art", "science", "history", "RE")
_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
_ORDINALS = {0: "first", 1: "first", 2: "second", 3: "third"}

for _bank, _name in ((CHALLENGE_SENTENCES, "challenge"), (STRENGTH_SENTENCES, "strength")):
    _missing = set(THEME_IDS) - set(_bank)
    if _missing or set(_bank) - set(THEME_IDS):  # pragma: no cover - caught by the tests at once
        raise RuntimeError(f"{_name} sentences out of step with the theme vocabulary: {sorted(_missing)}")


def _pick(options: Sequence[str], u: float) -> str:
    return options[int(u * len(options))]  # u < 1, so always a valid index


_KEEP_CAPITAL = ("I ", "I'", "Year ", "A level")


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and not text.startswith(_KEEP_CAPITAL):
        return text[0].lower() + text[1:]
    return text


def write_about(context: Mapping[str, Any], challenges: Sequence[str], strengths: Sequence[str], u: Sequence[float]) -> str:
    """One teacher's ``about`` text: 1-4 sentences in their own voice.

    Parameters
    ----------
    context : mapping
        ``pupils`` (formatted), ``borough``, ``dept`` (department size), ``years``, ``role``,
        ``ks5`` (bool), ``school_kind``, ``mode``, ``km``, ``pref``, ``slot`` (day name).
    challenges, strengths : sequence of str
        Theme ids; the text mentions the first one or two of each.
    u : sequence of float
        At least 14 uniform numbers in [0, 1) that decide every choice.

    Returns
    -------
    str
    """
    dept, years, role = int(context["dept"]), int(context["years"]), context["role"]
    fill = dict(context)
    fill["dept_word"] = _WORDS.get(dept, str(dept))
    fill["ordinal"] = _ORDINALS.get(years, f"{years}th")
    fill["ordinal_cap"] = fill["ordinal"].capitalize()
    fill["subject"] = _pick(_SUBJECTS, u[0])
    kind = str(context["school_kind"])
    fill["a_kind"] = ("an " if kind[0].lower() in "aeiou" and not kind.startswith("UTC") else "a ") + kind
    fill["years_floor"] = years // 5 * 5
    fill["a_pupils"] = ("an " if str(context["pupils"]).startswith("8") else "a ") + str(context["pupils"])
    opening: tuple[str, ...]
    if role == "non_specialist":
        opening = _OPEN_NON
    elif role == "early_career_teacher":
        opening = _OPEN_ECT
    elif role == "trust_lead":
        opening = _OPEN_TRUST
    elif dept <= 1:
        opening = _OPEN_ONE
    elif years >= 15 and u[12] < 0.5:
        opening = _OPEN_LONG
    else:
        opening = _OPEN_HEAD if role == "head_of_music" else _OPEN_TEAM
    parts = [_pick(opening, u[2]).format(**fill)]
    if context.get("ks5") and u[3] < 0.2:
        parts.append(_pick(_OPEN_KS5, u[4]))
    if challenges:
        sentence = _pick(CHALLENGE_SENTENCES[challenges[0]], u[6])
        lead = "" if ":" in sentence else _pick(_CHALLENGE_LEAD, u[5])
        parts.append(lead + (_lower_first(sentence) if lead else sentence))
    if len(challenges) > 1 and u[7] < 0.45:
        parts.append(_pick(_LABEL_ASK, u[8]).format(label=_lower_first(THEMES[challenges[1]].label)))
    if strengths and u[9] < 0.8:
        sentence = _pick(STRENGTH_SENTENCES[strengths[0]], u[11])
        lead = "" if ":" in sentence else _pick(_STRENGTH_LEAD, u[10])
        parts.append(lead + (_lower_first(sentence) if lead else sentence))
    closing = _CLOSE[str(context["mode"])] + _PREF[str(context["pref"])]
    if len(parts) < 4 and u[1] > 0.55:
        parts.append(_pick(closing, u[13]).format(**fill))
    return " ".join(parts[:4])
