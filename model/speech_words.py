"""The words that mark who speaks, read by the attribution rules (``model.attribution``) and the
learned speaker scorer (``model.speakers``) alike: reporting and blame cues with their classes,
nouns for speech ("claims", "denial"), role and title words, pronouns, and what breaks a clause."""

from __future__ import annotations

import re

CUES = {
    "accuse": "accused accuses accusing accuse alleged alleges alleging charged charges allege",
    "blame": "blamed blames blaming blame",
    "deny": "denied denies denying deny reject rejected rejects rejecting dismissed dismisses dismissing "
    "refuted refutes refused refuses opposed opposes refuse refusing oppose opposing dismiss refute",
    "condemn": "condemned condemns condemning criticised criticized criticises criticizes criticising criticizing "
    "slammed slams denounced denounces lambasted censured decried decries scoffed challenged protested "
    "condemn criticise criticize slam slamming denounce denouncing decry lambast lambasting",
    "warn": "warned warns warning threatened threatens vowed vows cautioned pledged pledges warn threaten threatening "
    "vowing caution cautions",
    "claim": "claim claimed claims claiming insisted insists insist asserted asserts maintained maintains maintain "
    "assert asserting contend contends contended",
    "say": "said says saying say told tells tell added adds adding wrote writes stated states stating noted notes "
    "noting posted stresses expresses expressing underscores underscoring declares declaring highlights explains "
    "explaining emphasises emphasizes reiterates argues confirms confirming acknowledges admits admitted admit "
    "announces announcing reports "
    "announced declared stressed argued arguing explained emphasised emphasized tweeted remarked described "
    "describes called calls urged urges demanded demands expressed reported confirmed pointed hailed "
    "underscored reiterated lamented highlighted echoed echoes responded asked indicated suggested suggesting "
    "offered recounted retorted referred detailed mentioned acknowledged revealed praised issued calling urging "
    "describing insisting stressing demanding asking termed terming labelled labeled branded branding "
    "argue urge ask asks cite cites cited citing describe hails hail stress emphasise emphasize confirm announce "
    "explain add write note declare acknowledge reveal reveals revealing indicate indicates suggest suggests "
    "conveyed voiced voicing reaffirmed reaffirms reaffirming spoke speaks report view views",
}
SPEECH_NOUNS = {
    "accuse": "accusations accusation allegations allegation",
    "claim": "claim assertion assertions",
    "deny": "denial denials",
    "say": "statement statements remarks comments declaration announcement announcements",
}
CUE_CLASS = {word: cue for cue, words in CUES.items() for word in words.split()}
CUE_CLASS.update({word: cue for cue, words in SPEECH_NOUNS.items() for word in words.split()})
NOUNS_ONLY = frozenset(" ".join(SPEECH_NOUNS.values()).split()) - frozenset(" ".join(CUES.values()).split())
PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
ROLES = frozenset(
    (
        "spokesman spokesperson spokeswoman minister ministry official officials government army "
        "military embassy office delegation president premier leader leaders envoy ambassador "
        "statement source sources commander chief authorities administration group navy "
        "prosecutors prosecutor"
    ).split()
)
GROUPS = frozenset(
    (
        "critics analysts experts observers residents witnesses eyewitnesses diplomats mediators rebels "
        "villagers media report reports newspaper agency broadcaster medics doctors activists families refugees "
        "outlets journalists groups powers workers fishermen allies partners "
        "critic analyst expert observer resident witness eyewitness diplomat mediator villager activist journalist"
    ).split()
)
TITLE_WORDS = ROLES | frozenset(
    (
        "defence defense foreign interior caretaker deputy acting prime senior former chief general "
        "presidential adviser advisor secretary affairs information press national security director head "
        "member representative lieutenant major admiral colonel public relations communications political "
        "bureau wing military armed forces services assistant special supreme mayor governor senator lawmaker "
        "chairman chairwoman negotiator commissioner coordinator"
    ).split()
)
NOUN_CUES = frozenset(
    (
        "claims demands calls charges notes states warning warnings reports say tell stress hail hails note vows "
        "caution cautions cites pledges add report view views"
    ).split()
) | frozenset(" ".join(SPEECH_NOUNS.values()).split())
CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|[”\"»“«]")
# Common words that open a sentence without naming anyone ("In Kabul, ...", "However, ..."): a sentence's
# subject is never one of them. A short list of our own: scikit-learn's stop-word list would cost the
# scoring processes the import of scikit-learn (about 60 MB each, measured in BENCHMARKS.md's memory rows).
FUNCTION_WORDS = frozenset(
    (
        "a an the this that these those it its he she they we i you his her their our my your in on at to of for "
        "with by from into after before while when whereas as since until if although though despite during "
        "amid among between but and or nor so yet still also however meanwhile moreover furthermore instead "
        "according earlier later last next yesterday today now then there here what which who whom whose where "
        "why how some many most much all both each every one two three several such no not only even more other "
        "another any few"
    ).split()
)

# Words the attribution rules read around a cue and its speaker (``model.attribution``).
GROUP_MODIFIERS = frozenset("state local international foreign independent rights human aid".split())
PRESS = frozenset("media agency newspaper broadcaster outlets press".split())
TAKING = frozenset(
    "claim claimed claims claiming take took takes taking accept accepted accepts accepting assume assumed".split()
)
EXCHANGES = frozenset("exchanged exchange exchanging traded trade trading".split())
MADE = frozenset("levelled leveled made raised issued lodged voiced".split())
OPENING_WORDS = frozenset("after while when before by in".split())
VERB_MODIFIERS = frozenset("also later then further again earlier previously had has have would will".split())
TELLING = frozenset("told tell tells telling".split())  # who is told is never the speaker: "..., told media"
FINITE_VERBS = frozenset("had has have was were is are would will could should must did does do may might can".split())
# Words of institutions' names, never of a person's: "PTV News", "Israel Defense Forces", "Foreign Office".
INSTITUTION_WORDS = frozenset(
    (
        "news agency television radio tv channel times post daily corps guard guards command council court "
        "party front bank organization organisation committee service intelligence headquarters department board "
        "authority assembly parliament congress senate movement brigade brigades leadership emirate republic "
        "force air police federation union kingdom state states coast centre center institute university"
    ).split()
)
# Words after a side's name that make it a place or its people, never the one doing wrong:
# "along the Afghan border", "the Pakistani province of", "the Afghan people", "Israeli civilians".
PLACES_AND_PEOPLE = frozenset(
    (
        "border borders frontier province provinces city cities capital territory region regions airspace waters "
        "coast villages district districts people civilians citizens nationals refugees migrants children women"
    ).split()
)
# Who acts for a side in an attack: "Pakistani forces bombed", "Israeli jets struck".
ACTORS = frozenset("forces troops soldiers military army jets drones aircraft warplanes artillery".split())
# Months, as in a date before a source: "according to Nov. 3 reports".
DATE_WORDS = frozenset(
    "january february march april june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday yesterday today tonight".split())
# Words that are never part of a person's name: titles, groups, the press, institutions, function words.
NOT_NAME_WORDS = TITLE_WORDS | GROUPS | PRESS | INSTITUTION_WORDS | FUNCTION_WORDS | GROUP_MODIFIERS
