"""Who speaks and whom they blame: statements, their speakers and their targets.

A paragraph's words (as ``features`` reads them: lower case, each side mention one token
``side_a`` / ``side_b`` / ``third_party``) and the text between them (punctuation, quote marks)
are enough to find, with light rules in the manner of quote-attribution systems:

- **statements**: a reporting or blame cue ("said", "wrote", "accused", "denied", "according
  to", ...) with its **speaker**: the name, side mention, role or pronoun next to the cue in
  its clause ("Mujahid wrote", "said the minister", "according to Pakistan's army", "Kabul
  accused Islamabad", "was accused by India"); pronouns and bare roles ("he", "the minister")
  take the last speaker named before them (in the paragraph or in the context given); a
  possessive before a word for speech names one too ("Islamabad's claims", "Kabul's denial");
- a speaker's words are the whole phrase that names them: the title and name around the word
  found ("Chinese Foreign Ministry spokesman Lin Jian"), with a name or title set off by one
  comma ("Pakistan's interior minister, Ahmed Raza"), whose side a bare name then takes; a
  person the sides list by full name keeps their side when met by one name ("Lin Jian": "Lin said");
- a sentence that is all quotation and follows a statement continues it (a quote split over
  sentences);
- speakers the rules miss ("Afghan sources countered that ...", a name before a colon and a quote):
  every phrase that could name one is rated by a small learned scorer (``model.speakers``,
  fitted on ``labels/attributions/``), and those rated at or above its threshold speak too,
  with the nearest cue;
- the outlet's own sentences that name a side near negatively charged words are statements
  whose speaker is the outlet;
- a statement's **targets**: the sides its content names, other than the speaker's own side;
  where the speaker's side is unknown and both sides are named, the one whose neighbourhood is
  more negative (VADER valence), so "the irresponsible attitude of the Pakistani delegation ...
  despite the sincere efforts of the Afghan delegation" targets Pakistan.

Everything is relative to the sides (``side_a`` / ``side_b``), so what is found swaps exactly
when the sides' names swap. ``attributions`` turns the statements of a batch of paragraphs into
the ``attributions`` of each result (speaker words and side, cue, targets, statement span), which
``model.votes`` counts into who-blames-whom columns of the direction head.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

import numpy as np

from framing.model import speakers
from framing.model.features import CUE_OF
from framing.model.lexicon import vader_valence
from framing.model.sides import MENTION_TOKENS, SIDE_A, SIDE_B, THIRD
from framing.model.speech_words import (
    ACTORS,
    CLAUSE_BREAK,
    CUE_CLASS,
    DATE_WORDS,
    DAYS,
    EXCHANGES,
    FINITE_VERBS,
    FUNCTION_WORDS,
    GROUP_MODIFIERS,
    GROUPS,
    MADE,
    NOT_NAME_WORDS,
    NOUN_CUES,
    NOUNS_ONLY,
    OPENING_WORDS,
    PLACES_AND_PEOPLE,
    PRESS,
    PRONOUNS,
    ROLES,
    TAKING,
    TELLING,
    TITLE_WORDS,
    VERB_MODIFIERS,
)
from framing.model.tokens import words as word_spans

BLAMING = frozenset({"accuse", "blame", "condemn"})
AUXILIARIES = frozenset({"was", "were", "is", "are", "been", "being", "be"})
SIDES = (SIDE_A, SIDE_B)
OUTLET, UNKNOWN = "outlet", "unknown"
_DATELINE = re.compile(
    r"""\s*[A-Z][A-Z'.-]+(?: [A-Z][A-Z'.-]+)*(?:, [A-Z][\w .]{0,40}?)?(?: \([A-Za-z]+\))?\s*[:—–] ?(?![\s"“'‘])"""
)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s")
_CLOSING_QUOTE = re.compile(r"[”\"’»]")
_INVERTED = re.compile(r"[”\"’»,]|\s[-–—]\s")  # '…,” said X', '…, said X', '… - said X'
WINDOW = 8
NEGATIVE = -0.5


@dataclass(frozen=True)
class Statement:
    """One statement: token ranges are indices into the paragraph's tokens."""

    speaker: str  # side_a, side_b, third_party, unknown, outlet
    speaker_tokens: tuple[int, int]  # [first, last) of the speaker's words; (i, i) for the outlet
    cue: str  # accuse, blame, deny, condemn, warn, claim, say, quote, outlet
    targets: tuple[str, ...]  # side_a / side_b
    tokens: tuple[int, int]  # [first, last) of the statement's words
    quoted: bool  # the content is a party's words (quotation or attributed speech)
    content: str = "none"  # what the content does: blame, attack, deny, defend or none (model.features cues)


def _sentences(text: str, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """Token ranges of the sentences: a sentence ends where the text between two words has a full stop,
    question or exclamation mark followed (after closing quotes or brackets) by white space, unless the
    word before it is an abbreviation or an initial. A dateline ("ISLAMABAD:", "DUBAI, United Arab
    Emirates (AP) —") is in no sentence: it names where the story was filed, never who speaks."""
    dateline = _DATELINE.match(text)
    bounds, first = [], bisect_right(starts, dateline.end() - 1) if dateline else 0
    for found in _SENTENCE_END.finditer(text):
        i = bisect_right(starts, found.start())  # the first word after the mark
        if (
            first < i < len(starts)
            and ends[i - 1] <= found.start()
            and not _abbreviation(text, starts[i - 1], ends[i - 1])
        ):
            bounds.append((first, i))
            first = i
    if starts:
        bounds.append((first, len(starts)))
    return bounds


ABBREVIATIONS = frozenset(
    "jr sr mr mrs ms dr st gen lt col maj capt sgt adm gov sen rep prof no vs u.s u.k u.n "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def _abbreviation(text: str, start: int, end: int) -> bool:
    """Is the word at [start, end) an abbreviation or an initial, whose full stop ends no sentence?"""
    word = text[start:end]
    return word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _gap(text: str, ends: list[int], starts: list[int], i: int) -> str:
    """The text between token i - 1 and token i."""
    return text[ends[i - 1] : starts[i]] if i > 0 else text[: starts[0]] if starts else ""


CONTENT_ORDER = ("blame", "attack", "deny", "defend")


def _content(tokens: list[str], first: int, last: int, skip: tuple[int, int], cue_at: int | None) -> str:
    """The strongest kind of cue word in the statement's words (the speaker and the cue itself aside;
    "responsibility" that someone claims, takes or accepts is not blame)."""
    kinds = {
        CUE_OF.get(tokens[j])
        for j in range(first, last)
        if j != cue_at
        and not (skip[0] <= j < skip[1])
        and not (tokens[j] == "responsibility" and j > 0 and tokens[j - 1] in TAKING)
    }
    return next((kind for kind in CONTENT_ORDER if kind in kinds), "none")


def _possessor(tokens: list[str], j: int):
    """The speaker whose words a possessive at token j introduces ("Kabul's denial"): its side if j is a
    side mention, else a name of unknown side (``Attributor._phrase`` widens it to the whole name)."""
    return (tokens[j] if tokens[j] in MENTION_TOKENS else UNKNOWN), (j, j + 1), False


BOTH_SIDES = frozenset("sides side countries parties nations governments neighbours neighbors capitals".split())


def _both_sides(
    tokens, text, starts, ends, cue_at: int, first: int, reach: int = 4, past_cues: bool = False
) -> tuple[int, int] | None:
    """The words naming both sides as one speaker within ``reach`` words before the cue at ``cue_at``
    ("both sides accused", "each side blamed", "the two countries have said", "the neighbouring
    countries"), else None; another cue between them ends the search unless ``past_cues``."""
    for k in range(cue_at - 1, max(first, cue_at - reach) - 1, -1):
        if tokens[k] in BOTH_SIDES:
            if k > first and tokens[k - 1] in ("both", "each"):
                return k - 1, k + 1
            if k - 1 > first and tokens[k - 2 : k] in (["the", "two"], ["the", "neighbouring"], ["the", "neighboring"]):
                return k - 2, k + 1
            if k > first and tokens[k] in ("neighbours", "neighbors") and tokens[k - 1] == "the":
                return k - 1, k + 1
            return None
        if text[starts[k]].isupper() or tokens[k] in CUE_CLASS and not past_cues or tokens[k] in SIDES:
            return None
        if CLAUSE_BREAK.search(_gap(text, ends, starts, k + 1)):
            return None
    return None


def _mutual(tokens, text, starts, ends, cue: str, cue_at: int, first: int) -> list[tuple[str, tuple[int, int]]]:
    """Both sides speaking at once, each blaming the other, as (side, its words): "both sides
    accused each other", and blame exchanged ("Thailand and Cambodia exchanged allegations", "the
    neighbouring countries have traded blame", "with both countries trading accusations")."""
    both = _both_sides(tokens, text, starts, ends, cue_at, first)
    if both is not None:
        return [(SIDE_A, both), (SIDE_B, both)]
    if cue not in BLAMING or cue_at == first or tokens[cue_at - 1] not in EXCHANGES:
        return []
    verb = cue_at - 1
    both = _both_sides(tokens, text, starts, ends, verb, first, reach=8, past_cues=True)
    if both is not None:
        return [(SIDE_A, both), (SIDE_B, both)]
    k = verb - 1
    while k > first and tokens[k] in AUXILIARIES | {"have", "has", "had", "again", "also"}:
        k -= 1
    if k - 2 >= first and tokens[k - 1] == "and" and {tokens[k], tokens[k - 2]} == set(SIDES):
        return [(tokens[k - 2], (k - 2, k - 1)), (tokens[k], (k, k + 1))]
    return []


def _valence(tokens: list[str], i: int, valence: dict[str, float], reach: int = 4) -> float:
    return sum(valence.get(tokens[j], 0.0) for j in range(max(0, i - reach), min(len(tokens), i + reach + 1)))


def _modifies_verb(token: str) -> bool:
    """May stand between a pronoun and its cue ("he further warned", "she has also said")?"""
    return token in VERB_MODIFIERS or token.endswith("ly")


def _blamed_by_cue(tokens: list[str], cue_at: int, earliest: int) -> bool:
    """Is the cue at ``cue_at`` "was to blame" (the subject is blamed, not speaking), its auxiliary at
    or after ``earliest``?"""
    return cue_at - 2 >= earliest and tokens[cue_at - 1] == "to" and tokens[cue_at - 2] in AUXILIARIES


def _reported_subject(tokens, text, starts, ends, end: int, last: int) -> bool:
    """Is the phrase ending before token ``end`` the subject of what is reported (a verb follows it
    directly: "said Kabul had failed") rather than the speaker ("said Mujahid in a statement")?"""
    return end < last and tokens[end] in FINITE_VERBS and not _gap(text, ends, starts, end).strip()


def _no_one(tokens: list[str], a: int, b: int) -> bool:
    """Are words [a, b) only words like "his", "two", "such" or a month that name no one ("His family
    issued a statement", '"Two shells landed on our street"', "Nov. 3 reports")? Pronouns do name someone."""
    return all(
        (tokens[k] in FUNCTION_WORDS or tokens[k] in DATE_WORDS) and tokens[k] not in PRONOUNS for k in range(a, b)
    )


def _verb_start(tokens, text, starts, ends, cue_at: int, first: int) -> int:
    """Where the verb group of the cue at ``cue_at`` starts, before the words that may stand between
    a subject and its verb ("the Foreign Office on Wednesday announced", "have once again reported")."""
    head = cue_at
    while head - 1 > first:
        gap = _gap(text, ends, starts, head)
        if gap.strip() == ")" and _gap(text, ends, starts, head - 1).strip() == "(":
            head -= 1  # "the Foreign Office (FO) on Wednesday announced"
            continue
        if CLAUSE_BREAK.search(gap):
            break
        word = tokens[head - 1]
        if word in DAYS:
            head -= 1 + (head - 2 > first and tokens[head - 2] == "on")
        elif word == "once" or text[starts[head - 1]].islower() and _modifies_verb(word):
            head -= 1
        else:
            break
    return head


class Attributor:
    """Finds the statements of paragraphs; ``previous`` carries the last speaker between
    paragraphs of one article (context)."""

    def __init__(self) -> None:
        self.valence = vader_valence()

    def speaker_at(
        self,
        tokens,
        text,
        starts,
        ends,
        cue_at: int,
        first: int,
        last: int,
        previous: tuple[str, tuple[int, int]] | None,
        sentence_speaker=None,
    ):
        """(speaker, [first, last) of its words, whether it was resolved from an earlier speaker) for the
        cue at ``cue_at`` in sentence [first, last); None when the cue has no speaker."""
        word = tokens[cue_at]
        if word == "according":
            return self._forward(tokens, text, starts, ends, cue_at + 2, last, previous)
        if _blamed_by_cue(tokens, cue_at, first):
            return None  # "X was to blame": X is blamed, not speaking
        if cue_at > first and tokens[cue_at - 1] in AUXILIARIES and not word.endswith("ing"):
            for j in range(cue_at + 1, min(last, cue_at + 5)):
                if tokens[j] == "by":
                    return self._forward(tokens, text, starts, ends, j + 1, last, previous)
            return None
        if (
            word.endswith("ed")
            and cue_at + 2 < last
            and tokens[cue_at + 1] == "by"
            and (tokens[cue_at + 2] in MENTION_TOKENS or text[starts[cue_at + 2]].isupper())
        ):  # "a charge denied by Kabul"
            return self._forward(tokens, text, starts, ends, cue_at + 2, last, previous)
        if word.endswith("ing") and (cue_at == first or cue_at == first + 1 and tokens[first] in OPENING_WORDS):
            return self._after_opening(tokens, text, starts, ends, cue_at, last, previous)
        if cue_at > first and (
            tokens[cue_at - 1] in ("and", "but", "also")
            or word.endswith("ing")
            and CLAUSE_BREAK.search(_gap(text, ends, starts, cue_at))
        ):
            if sentence_speaker is not None:
                return sentence_speaker[0], sentence_speaker[1], True
            subject = self._subject(tokens, text, starts, ends, first, cue_at, previous)
            if subject is not None:  # "Pakistan sharpened its rhetoric, accusing ...", "Mujahid thanked ... and said"
                return subject
        if word in NOUN_CUES and not self._verb(tokens, text, starts, ends, cue_at, first):
            by = cue_at + 1
            while by < last and tokens[by] in AUXILIARIES:
                by += 1  # "demands were made by"
            if by < last and tokens[by] in MADE:  # "made on Wednesday by", "levelled by"
                by = next((k for k in range(by + 1, min(last, by + 4)) if tokens[k] == "by"), by + 1)
            if by + 1 < last and tokens[by] == "by":  # "allegations levelled by Pakistan", "claims by Kabul"
                return self._forward(tokens, text, starts, ends, by + 1, last, previous)
            if cue_at > first and text[starts[cue_at - 1] : ends[cue_at - 1]].endswith(("'s", "’s", "s'", "s’")):
                return _possessor(tokens, cue_at - 1)  # "Islamabad's claims", "the minister's remarks"
            return None
        found = self._backward(
            tokens, text, starts, ends, _verb_start(tokens, text, starts, ends, cue_at, first), first, previous
        )
        if found is None:
            found = self._appositive(tokens, text, starts, ends, cue_at, first)
        if found is None:
            found = self._relative(tokens, text, starts, ends, cue_at, first)
        if (
            found is None
            and cue_at > first
            and word not in TELLING
            and _INVERTED.search(_gap(text, ends, starts, cue_at))
        ):
            found = self._forward(tokens, text, starts, ends, cue_at + 1, last, previous)
            if found is not None and _reported_subject(tokens, text, starts, ends, found[1][1], last):
                return None  # "..., speaking to reporters, said Kabul had failed": Kabul is spoken of
        return found

    @staticmethod
    def _phrase(tokens, text, starts, ends, side: str, span: tuple[int, int], first: int, stop: int):
        """The whole phrase that names a speaker found at ``span``, within [first, stop): its title and
        name on either side ("Pakistan's caretaker minister of interior, Ahmed Raza"; "Chinese
        Foreign Ministry spokesman Lin Jian"; "Amir Khan Muttaqi, the Foreign Minister of Afghanistan"),
        a name or title set off by one comma included. A name found alone takes the side its title
        names. Returns (side, span)."""

        def namey(k: int) -> bool:
            word = tokens[k]
            return (
                word in TITLE_WORDS
                or word in (SIDE_A, SIDE_B, THIRD, "'s", "s")
                or text[starts[k]].isupper()
                and word not in PRONOUNS
                and word not in CUE_CLASS
                and (word not in FUNCTION_WORDS or word == "the")  # "Meanwhile, the US" is the US
            )

        def linked(k: int) -> bool:  # "of" / "the" inside a title: "minister of the interior"
            if tokens[k] in ("of", "for") and k + 2 < stop and tokens[k + 1] == "the":
                return namey(k + 2)  # "president of the National Assembly", "spokesman for the Taliban government"
            return tokens[k] in ("of", "for", "the") and k + 1 < stop and namey(k + 1) and tokens[k - 1] != "the"

        def joined(k: int) -> bool:  # no clause break between words k - 1 and k, "(IDF)" aside
            gap = _gap(text, ends, starts, k)
            return not CLAUSE_BREAK.search(gap) or gap.strip() in ("(", ")")

        def back(a: int) -> int:
            while a > first and joined(a) and (namey(a - 1) or linked(a - 1) and a - 1 > first):
                a -= 1
            while tokens[a] in ("of", "for", "'s", "s") and a + 1 < span[1]:
                a += 1
            return a

        def forward(b: int) -> int:
            while b < stop and joined(b) and (namey(b) or linked(b)):
                b += 1
            while b - 1 > span[0] and tokens[b - 1] in ("of", "for", "the"):
                b -= 1
            return b

        a, b = back(span[0]), forward(span[1])
        if a - 1 > first and tokens[a - 1] in ("a", "an", "the") and _gap(text, ends, starts, a - 1).strip() == ",":
            a -= 1  # "Winthai Suvaree, a Thai army spokesperson"
        if a - 3 >= first and tokens[a - 2 : a] == ["known", "as"] and _gap(text, ends, starts, a - 2).strip() == ",":
            a = back(a - 3)  # "Hudhaifa Kahlout, known as Abu Obeida"
        if a > first and _gap(text, ends, starts, a).strip() == "," and namey(a - 1):
            before = back(a - 1)
            if before == first or CLAUSE_BREAK.search(_gap(text, ends, starts, before)):
                a = before
        elif b < stop and _gap(text, ends, starts, b).strip() == "," and namey(b):
            after = forward(b + 1)
            if after == stop or CLAUSE_BREAK.search(_gap(text, ends, starts, after)):
                b = after
        if side == UNKNOWN:
            named = {tokens[k] for k in range(a, b)} & {SIDE_A, SIDE_B}
            if len(named) == 1:
                side = named.pop()
        return side, (a, b)

    def _conjuncts(self, tokens, text, starts, ends, side: str, span: tuple[int, int], first: int) -> list:
        """The speakers joined to the one at ``span`` by "and" before it ("Israel and the US say"), each
        as (side, span), in reading order."""
        out = []
        a = span[0] - (span[0] > first and tokens[span[0] - 1] == "the")
        while (
            a - 2 >= first
            and tokens[a - 1] == "and"
            and not CLAUSE_BREAK.search(_gap(text, ends, starts, a - 1) + _gap(text, ends, starts, a))
            and (tokens[a - 2] in MENTION_TOKENS or text[starts[a - 2]].isupper())
        ):
            k = a - 2
            side = tokens[k] if tokens[k] in MENTION_TOKENS else UNKNOWN
            side, (a, _) = self._phrase(tokens, text, starts, ends, side, (k, k + 1), first, k + 1)
            out.insert(0, (side, (a, k + 1)))
            a -= a > first and tokens[a - 1] == "the"
        return out

    @staticmethod
    def _appositive(tokens, text, starts, ends, cue_at: int, first: int):
        """A name set off by commas just before the cue: "Director of the chamber, Zia-ul-Haq Sarhadi,
        claimed": the capitalised words between the two commas (at most four)."""
        if cue_at == first or "," not in _gap(text, ends, starts, cue_at):
            return None
        k = cue_at - 1  # back to the word after the comma that opens the apposition
        while k > first and cue_at - k < 4 and not CLAUSE_BREAK.search(_gap(text, ends, starts, k)):
            k -= 1
        words = range(k, cue_at)
        if not words or not all(text[starts[j]].isupper() or tokens[j] in MENTION_TOKENS for j in words):
            return None
        side = next((tokens[j] for j in words if tokens[j] in MENTION_TOKENS), UNKNOWN)
        return side, (k, cue_at), False

    @staticmethod
    def _relative(tokens, text, starts, ends, cue_at: int, first: int):
        """A speaker whose relative clause comes between them and the cue: "Elder Hayatullah Zadran,
        who lost his mother in the assault, recounted": the name or title just before ", who"."""
        if cue_at == first or "," not in _gap(text, ends, starts, cue_at):
            return None
        who = next(
            (
                k
                for k in range(cue_at - 2, max(first, cue_at - 25), -1)
                if tokens[k] == "who" and "," in _gap(text, ends, starts, k)
            ),
            None,
        )
        if who is None or any(tokens[k] in CUE_CLASS for k in range(who + 1, cue_at)):
            return None
        name = who - 1  # the word before ", who"; the caller widens it to the whole title and name (``_phrase``)
        if name < first or not (
            text[starts[name]].isupper() or tokens[name] in TITLE_WORDS or tokens[name] in MENTION_TOKENS
        ):
            return None
        return (tokens[name] if tokens[name] in MENTION_TOKENS else UNKNOWN), (name, who), False

    @staticmethod
    def _verb(tokens, text, starts, ends, cue_at: int, first: int) -> bool:
        """Is a word that is also a plural noun ("claims", "demands") used as a verb here: right after
        its subject (a side, a pronoun, a capitalised name), not after a possessive or an article?"""
        if cue_at == first or tokens[cue_at] in NOUNS_ONLY:
            return False
        if cue_at + 1 < len(tokens) and tokens[cue_at + 1] in FINITE_VERBS:
            return False  # "Fresh demands were made", "Casualty reports are disputed": the subject, a noun
        cue_at = max(_verb_start(tokens, text, starts, ends, cue_at, first), first + 1)  # "Islamabad now views"
        before = tokens[cue_at - 1]
        gap = _gap(text, ends, starts, cue_at)
        if gap.strip() or before in ("the", "its", "their", "his", "her", "our", "these", "those", "such"):
            return False
        if text[starts[cue_at - 1] : ends[cue_at - 1]].endswith(("'s", "’s")):
            return False
        return (
            before in MENTION_TOKENS
            or before in PRONOUNS
            or before in ROLES
            or before in GROUPS
            or text[starts[cue_at - 1]].isupper()
        )

    @staticmethod
    def _name_end(tokens, text, starts, ends, j: int, cue_at: int, role: int | None) -> int:
        """Where the speaker's words that start with the side mention at ``j`` end: through a title
        and name up to the cue ("Israeli Defense Minister Yoav Gallant"), else through the role."""
        k = j + 1
        while (
            k < cue_at
            and (tokens[k] in ROLES or text[starts[k]].isupper() or tokens[k] in ("of", "'s", "s"))
            and not CLAUSE_BREAK.search(_gap(text, ends, starts, k))
        ):
            k += 1
        if k == cue_at and tokens[k - 1] != "of":
            return k
        return role + 1 if role is not None else j + 1

    def _after_opening(self, tokens, text, starts, ends, cue_at: int, last: int, previous):
        """The speaker of a sentence that opens with its cue ("Condemning the attack, the board said"):
        the first speaker after the opening clause's comma."""
        for k in range(cue_at + 1, last):
            if "," in _gap(text, ends, starts, k):
                return self._forward(tokens, text, starts, ends, k, last, previous)
        return None

    def _subject(self, tokens, text, starts, ends, first: int, cue_at: int, previous):
        """The speaker a sentence opens with (a side, or a name that is not a common word), for a cue
        that continues its first clause; else None."""
        subject = self._forward(tokens, text, starts, ends, first, cue_at, previous)
        if subject is None or subject[0] in MENTION_TOKENS:
            return subject
        a = subject[1][0]
        if subject[0] == UNKNOWN and a - first <= (tokens[first] == "the") and tokens[a] not in FUNCTION_WORDS:
            return subject
        return None

    @staticmethod
    def _resolve(j: int, previous):
        """A pronoun or bare role at token j: the last speaker named before it, else unknown."""
        return (previous[0], (j, j + 1), True) if previous else (UNKNOWN, (j, j + 1), True)

    def _backward(self, tokens, text, starts, ends, cue_at, first, previous):
        role = None
        for j in range(cue_at - 1, max(first - 1, cue_at - 1 - WINDOW), -1):
            token = tokens[j]
            if token in MENTION_TOKENS:
                return token, (j, self._name_end(tokens, text, starts, ends, j, cue_at, role)), False
            if token in PRONOUNS:
                between = tokens[j + 1 : cue_at]
                return self._resolve(j, previous) if len(between) <= 2 and all(map(_modifies_verb, between)) else None
            if token in ("who", "which"):
                if j > first and tokens[j - 1] in MENTION_TOKENS:
                    return tokens[j - 1], (j - 1, j), False
                return None
            if token == "that" and role is not None:
                break  # "blamed Pakistan for drone raids that officials said": the officials speak
            if token in ROLES and role is None:
                role = j
            if (
                token in GROUPS
                and role is None
                and j == cue_at - 1
                and (not CLAUSE_BREAK.search(_gap(text, ends, starts, cue_at)) or tokens[j - 1] in ("a", "an"))
            ):  # "critics accused", "X, an analyst, said"; not "... between the two rival powers, reported AFP"
                k = j
                while (
                    k > first
                    and (text[starts[k - 1]].isupper() or tokens[k - 1] in SIDES or tokens[k - 1] in GROUP_MODIFIERS)
                    and not CLAUSE_BREAK.search(_gap(text, ends, starts, k))
                ):
                    k -= 1
                return UNKNOWN, (k, j + 1), False
            if token in CUE_CLASS and j < cue_at - 1:
                break
            if CLAUSE_BREAK.search(_gap(text, ends, starts, j)):
                break
        if role is not None:
            if (
                role > first
                and text[starts[role - 1] : starts[role - 1] + 1].isupper()
                and tokens[role - 1] != "the"
                and not CLAUSE_BREAK.search(_gap(text, ends, starts, role))
            ):
                return UNKNOWN, (role - 1, role + 1), False
            named = role + 2 < cue_at and tokens[role + 1] == "of" and text[starts[role + 2]].isupper()
            if role > first and tokens[role - 1] == "the" and not named:  # not "the Ministry of National Defense"
                return self._resolve(role, previous)
            return UNKNOWN, (role, role + 1), False
        j = cue_at - 1
        if (
            j >= first
            and text[starts[j] : starts[j] + 1].isupper()
            and not CLAUSE_BREAK.search(_gap(text, ends, starts, cue_at))
        ):
            k = j
            while (
                k > first
                and text[starts[k - 1] : starts[k - 1] + 1].isupper()
                and (not CLAUSE_BREAK.search(_gap(text, ends, starts, k)) or tokens[k] in ("jr", "sr"))
            ):
                k -= 1  # "navy chief Ramon T. Dizon, Jr. said"
            return UNKNOWN, (k, j + 1), False
        return None

    def _forward(self, tokens, text, starts, ends, begin, last, previous):
        for j in range(begin, min(last, begin + WINDOW)):
            token = tokens[j]
            if token in MENTION_TOKENS:
                return token, (j, self._title_end(tokens, text, starts, ends, j, last)), False
            if token in PRONOUNS:
                return self._resolve(j, previous)
            if token in GROUPS:
                return UNKNOWN, (j, j + 1), False
            if token in ("statement", "statements") and j + 2 < last and tokens[j + 1] in ("from", "by", "of"):
                return self._forward(tokens, text, starts, ends, j + 2, last, previous)  # "a statement from X"
            if token in ROLES:
                if j > begin and tokens[j - 1] == "the":
                    return self._resolve(j, previous)
                return UNKNOWN, (j, self._title_end(tokens, text, starts, ends, j, last)), False
            if token in DATE_WORDS:
                continue  # "according to Nov. 3 reports in local media"
            if text[starts[j]].isupper() and tokens[j] != "the":
                return UNKNOWN, (j, self._title_end(tokens, text, starts, ends, j, last)), False
            if j > begin and CLAUSE_BREAK.search(_gap(text, ends, starts, j)):
                break
        return None

    @staticmethod
    def _title_end(tokens, text, starts, ends, j: int, last: int) -> int:
        """Where a speaker named after the cue ends: through the title and name that follow its first
        word ("said Russian Foreign Minister Sergey Lavrov", "according to Reuters")."""
        k = j + 1
        while (
            k < last
            and (tokens[k] in ROLES or text[starts[k]].isupper() or tokens[k] in ("'s", "s"))
            and not CLAUSE_BREAK.search(_gap(text, ends, starts, k))
        ):
            k += 1
        return k

    def targets(self, tokens, speaker: str, first: int, last: int, skip: tuple[int, int]) -> tuple[str, ...]:
        named = {}
        for j in range(first, last):
            if tokens[j] in SIDES and not (skip[0] <= j < skip[1]):
                if j + 1 < len(tokens) and tokens[j + 1] in PLACES_AND_PEOPLE:
                    continue  # "along the Afghan border", "the Afghan people": a place or its people, not a wrongdoer
                named.setdefault(tokens[j], []).append(j)
        if speaker in SIDES:
            return tuple(s for s in SIDES if s in named and s != speaker)
        if len(named) == 2:
            score = {s: min(_valence(tokens, j, self.valence) for j in at) for s, at in named.items()}
            if abs(score[SIDE_A] - score[SIDE_B]) >= 1.0:
                return (min(score, key=score.get),)
        return tuple(s for s in SIDES if s in named)

    def statements(
        self,
        tokens: list[str],
        text: str,
        starts: list[int],
        ends: list[int],
        party: list[bool],
        previous: tuple[str, tuple[int, int]] | None = None,
    ) -> tuple[list[Statement], tuple | None]:
        """The paragraph's statements, and the last speaker (to pass on as the next paragraph's context)."""
        found: list[Statement] = []
        cues = [
            (j, CUE_CLASS.get(word, "say"))
            for j, word in enumerate(tokens)
            if word in CUE_CLASS or word == "according" and j + 1 < len(tokens) and tokens[j + 1] == "to"
        ]
        at = 0
        opening: list[tuple[int, int]] = []  # all-quote sentences just before, no speaker yet
        for first, last in _sentences(text, starts, ends):
            made = False
            before = len(found)
            while at < len(cues) and cues[at][0] < last:
                j, cue = cues[at]
                at += 1
                if j < first or (cue == "say" and tokens[j] == "according" and tokens[j + 1] != "to"):
                    continue
                mutual = _mutual(tokens, text, starts, ends, cue, j, first)
                if mutual:  # "both sides accused each other": each side speaks, blaming the other
                    found += [
                        Statement(
                            who,
                            span,
                            cue,
                            (SIDE_B if who == SIDE_A else SIDE_A,)
                            if cue in BLAMING
                            else self.targets(tokens, who, first, last, span),
                            (first, last),
                            quoted=any(party[first:last]),
                            content=_content(tokens, first, last, span, j),
                        )
                        for who, span in mutual
                    ]
                    made = True
                    continue
                speaker = self.speaker_at(
                    tokens,
                    text,
                    starts,
                    ends,
                    j,
                    first,
                    last,
                    previous,
                    (found[-1].speaker, found[-1].speaker_tokens) if made else None,
                )
                if speaker is None or _no_one(tokens, *speaker[1]):
                    continue
                who, span, resolved = speaker
                speaking = [(who, span)]
                if not resolved:
                    who, span = self._phrase(tokens, text, starts, ends, who, span, first, j if span[0] < j else last)
                    speaking = self._conjuncts(tokens, text, starts, ends, who, span, first) + [(who, span)]
                    previous = (who, span)
                found += [
                    Statement(
                        who,
                        span,
                        cue,
                        self.targets(tokens, who, first, last, span),
                        (first, last),
                        quoted=any(party[first:last]),
                        content=_content(tokens, first, last, span, j),
                    )
                    for who, span in speaking
                ]
                made = True
            learned, previous = self._learned(tokens, text, starts, ends, party, first, last, found, previous)
            found += learned
            inside = party[first:last]
            if made or learned:
                if opening and opening[-1][1] == first and inside and inside[0]:
                    speaker = found[before]  # '"... . ...," Mujahid said': the quote's earlier sentences are his too
                    earlier = [f for f in found[:before] if not (f.cue == "quote" and f.tokens in opening)]
                    found = earlier + [self._quoted(tokens, speaker, a, b) for a, b in opening] + found[before:]
                opening = []
                continue
            opening = opening + [(first, last)] if inside and all(inside) else []
            if found and inside and all(inside) and found[-1].tokens[1] == first:
                found.append(self._quoted(tokens, found[-1], first, last))
                continue
            if not any(inside):
                named = [k for k in range(first, last) if tokens[k] in SIDES]
                if named and min(_valence(tokens, k, self.valence) for k in named) <= NEGATIVE:
                    found.append(
                        Statement(
                            OUTLET,
                            (first, first),
                            "outlet",
                            self.targets(tokens, UNKNOWN, first, last, (0, 0)),
                            (first, last),
                            False,
                            _content(tokens, first, last, (0, 0), None),
                        )
                    )
        return found, previous

    def _quoted(self, tokens: list[str], speaker: Statement, first: int, last: int) -> Statement:
        """Sentence [first, last), all quotation, as more words of ``speaker``'s statement."""
        return Statement(
            speaker.speaker,
            speaker.speaker_tokens,
            "quote",
            self.targets(tokens, speaker.speaker, first, last, (0, 0)),
            (first, last),
            True,
            _content(tokens, first, last, (0, 0), None),
        )

    def _learned(
        self, tokens, text, starts, ends, party, first, last, found, previous
    ) -> tuple[list[Statement], tuple]:
        """Statements whose speakers the rules missed in sentence [first, last): candidates the learned
        scorer (``model.speakers``) rates at or above its threshold, not overlapping a speaker found;
        each takes the nearest cue after it (else before it, else "say"). Returns them and the last
        speaker to pass on (the last one named here, as the rules pass theirs on, else ``previous``)."""
        scorer = speakers.scorer()
        if scorer is None:
            return [], previous
        taken = []
        for statement in reversed(found):  # this sentence's statements are the last ones found
            if statement.tokens[1] <= first:
                break
            if statement.tokens[0] < last:
                taken.append(statement.speaker_tokens)
        out = []
        passed_on = previous
        for a, b, names in speakers.candidates(tokens, text, starts, ends, party, first, last, taken):
            if scorer.probability(names) < scorer.threshold:
                continue
            span = tokens[a:b]
            if _no_one(tokens, a, b):
                continue
            bare = b - a == 1 and (span[0] in PRONOUNS or span[0] in ROLES)
            who = next((t for t in span if t in SIDES), THIRD if THIRD in span else None)
            if who is None:
                who = (previous[0] if previous else UNKNOWN) if bare else UNKNOWN
            if not bare:
                who, (a, b) = self._phrase(tokens, text, starts, ends, who, (a, b), first, last)
                if any(x < b and a < y for x, y in taken):
                    continue  # its whole phrase is a speaker found already ("X, known as Y")
                passed_on = (who, (a, b))
            cue_at = next((k for k in range(b, last) if tokens[k] in CUE_CLASS), None)
            if cue_at is not None and _blamed_by_cue(tokens, cue_at, b):
                continue
            if cue_at is None:
                cue_at = next((k for k in range(a - 1, first - 1, -1) if tokens[k] in CUE_CLASS), None)
            taken.append((a, b))
            out.append(
                Statement(
                    who,
                    (a, b),
                    CUE_CLASS[tokens[cue_at]] if cue_at is not None else "say",
                    self.targets(tokens, who, first, last, (a, b)),
                    (first, last),
                    quoted=any(party[first:last]),
                    content=_content(tokens, first, last, (a, b), cue_at),
                )
            )
        return out, passed_on


_ATTRIBUTOR: Attributor | None = None


def attributor() -> Attributor:
    global _ATTRIBUTOR
    if _ATTRIBUTOR is None:
        _ATTRIBUTOR = Attributor()
    return _ATTRIBUTOR


def _paragraphs(analysed):
    """(tokens, text, starts, ends, party) per paragraph of an ``Analysed`` batch; None for a paragraph
    with no cue word and no side (nothing to attribute: skipped, which is most of the cost saved)."""
    vocabulary, index = analysed.vocabulary, analysed.word_index
    useful = np.fromiter((w in CUE_CLASS or w in SIDES for w in vocabulary), dtype=bool, count=len(vocabulary))
    bounds = analysed.bounds.tolist()
    counts = np.concatenate([[0], np.cumsum(useful[index].astype(np.int64))])
    wanted = counts[analysed.bounds[1:]] - counts[analysed.bounds[:-1]]  # per paragraph, empty ones too
    starts, ends, party = analysed.starts.tolist(), analysed.ends.tolist(), analysed.party.tolist()
    for k, (text, a, b) in enumerate(zip(analysed.texts, bounds[:-1], bounds[1:])):
        if b > a and wanted[k]:
            yield [vocabulary[i] for i in index[a:b].tolist()], text, starts[a:b], ends[a:b], party[a:b]
        else:
            yield None


@dataclass
class Context:
    """What earlier paragraphs of the article tell about this one's speakers: the last speaker
    (side token, and the name that named them) for pronouns and bare roles, and the names seen
    with a side ("Russian negotiator Vladimir Medinsky" -> medinsky: side) for names met alone."""

    speaker: str | None = None
    speaker_name: str | None = None
    names: dict = field(default_factory=dict)


def _learn_names(tokens: list[str], text: str, starts: list[int], ends: list[int], names: dict) -> None:
    """Record the capitalised words that follow a side mention as that side's names (a title and a
    name: "Pakistani Defence Minister Khawaja Asif" -> khawaja, asif)."""
    for j, token in enumerate(tokens):
        if token not in SIDES:
            continue
        k = j + 1
        while (
            k < len(tokens)
            and (tokens[k] in ROLES or tokens[k] in ("'s", "s") or text[starts[k]].isupper())
            and tokens[k] not in SIDES
            and tokens[k] != THIRD
            and not CLAUSE_BREAK.search(_gap(text, ends, starts, k))
        ):
            if text[starts[k]].isupper() and tokens[k] not in ROLES and len(tokens[k]) > 2:
                names.setdefault(tokens[k], token)
            k += 1


class ContextReader:
    """Reads an article's paragraphs in order and gives, before each, the ``Context`` all the
    paragraphs before it give (what ``read_context`` of them returns), in one pass."""

    def __init__(self) -> None:
        self.context = Context()
        self.previous: tuple | None = None

    def current(self) -> Context:
        context = self.context
        if self.previous is not None and self.previous[0] != context.speaker:
            return Context(self.previous[0], None, context.names)
        return context

    def read(self, paragraph) -> tuple[Context, list[Statement]]:
        """Take in one paragraph (a ``_paragraphs`` item, None for one with nothing to attribute);
        returns the context it was read with and its statements."""
        context = self.current()
        if paragraph is None:
            return context, []
        tokens, text, starts, ends, party = paragraph
        _learn_names(tokens, text, starts, ends, self.context.names)
        given = (context.speaker, (0, 0)) if context.speaker else None
        found, self.previous = attributor().statements(tokens, text, starts, ends, party, given)
        for statement in found:
            first, last = statement.speaker_tokens
            if statement.speaker != OUTLET and last > first and tokens[first] not in PRONOUNS:
                self.context = Context(statement.speaker, text[starts[first] : ends[last - 1]], self.context.names)
        return context, found


def read_context(context) -> Context:
    """The ``Context`` that context paragraphs (an ``Analysed`` batch, in article order) give the next one."""
    reader = ContextReader()
    for paragraph in _paragraphs(context):
        reader.read(paragraph)
    return reader.current()


def article_attributions(analysed, sides, article_starts: list[int] | None = None) -> list[list[dict]]:
    """Each paragraph's ``attributions`` with its article's earlier paragraphs as its context: the
    same as scoring paragraph k with paragraphs 0..k-1 as ``context``, in one pass. ``analysed``
    holds one article's paragraphs in order, or several articles' one after another, each
    starting at a paragraph index in ``article_starts``."""
    new_article = set(article_starts or ())
    reader = ContextReader()
    out = []
    for k, paragraph in enumerate(_paragraphs(analysed)):
        if k in new_article:
            reader = ContextReader()
        context, found = reader.read(paragraph)
        if paragraph is None:
            out.append([])
            continue
        tokens, text, starts, ends, _ = paragraph
        out.append(describe([(f, tokens, text, starts, ends) for f in found], sides, context))
    return out


def statements_of(analysed, context: Context | None = None) -> list[list[tuple]]:
    """Per paragraph, its statements as (Statement, tokens, text, starts, ends); ``context`` (from
    ``read_context``) gives the speaker before the first paragraph, for a paragraph scored with its article."""
    find = attributor().statements
    out = []
    previous = (context.speaker, (0, 0)) if context and context.speaker else None
    for paragraph in _paragraphs(analysed):
        if paragraph is None:
            out.append([])
            continue
        tokens, text, starts, ends, party = paragraph
        found, _ = find(tokens, text, starts, ends, party, previous)
        out.append([(s, tokens, text, starts, ends) for s in found])
    return out


def _side_name(token: str, sides) -> str:
    return {SIDE_A: sides.a.name, SIDE_B: sides.b.name, THIRD: "third"}.get(token, "unknown")


CUE_STRENGTH = ("accuse", "blame", "criticise", "warn", "demand", "deny", "claim", "say", "quote")
TARGETING_CUES = BLAMING | {"warn"}


def _public_cue(cue: str) -> str:
    """The cue as results name it ("condemn" covers criticising words too)."""
    return "criticise" if cue == "condemn" else cue


def _acts(tokens: list[str], j: int, last: int) -> bool:
    """Is the side named at ``j`` the one doing an attack: "Pakistani forces bombed", "Israel struck"?"""
    k = j + 1
    while k < last and (tokens[k] in ROLES or tokens[k] in ACTORS or tokens[k] in VERB_MODIFIERS):
        k += 1
    return k < last and CUE_OF.get(tokens[k]) == "attack" and tokens[k].endswith(("ed", "struck", "fire", "fires"))


def _blames(statement: Statement, tokens: list[str], target: str, valence: dict[str, float]) -> bool:
    """Does the statement cast ``target`` as doing wrong? A side's statement naming the other side
    does (measured on the development labels: naming is how coverage reports a side's blame),
    except a denial: its blame words describe the charge denied, and a denial that blames back
    has its own cue ("denied it and accused Pakistan of ..."); a third party's or unknown speaker's only with blame or
    attack words or charged words next to the target, and when it only says or claims, only with
    blame words or with the target doing the attack ("Pakistani jets bombed a school"; a mediator's
    "the strikes on Kabul" reports, it does not blame)."""
    if statement.cue == "deny":
        return False
    if statement.speaker not in SIDES and statement.cue in ("say", "claim", "quote"):
        if statement.content == "attack":  # "the new report says Pakistani jets bombed a school"
            first, last = statement.tokens
            return any(tokens[j] == target and _acts(tokens, j, last) for j in range(first, last))
        return statement.content == "blame"
    if statement.content in ("blame", "attack"):
        return True
    if statement.speaker in SIDES or statement.cue in TARGETING_CUES:
        return True
    first, last = statement.tokens
    return any(tokens[j] == target and _valence(tokens, j, valence) <= NEGATIVE for j in range(first, last))


def _name_at_end(tokens: list[str], text: str, starts: list[int], first: int, last: int) -> str | None:
    """The last run of capitalised words in words [first, last), titles aside, in lower case
    ("Foreign Office spokesperson Mumtaz Zahra Baloch" -> "mumtaz zahra baloch", "FM Dar" -> "dar")."""
    end = next((k + 1 for k in range(last - 1, first - 1, -1) if text[starts[k]].isupper()), None)
    if end is None:
        return None
    start = end - 1
    while start > first and text[starts[start - 1]].isupper() and tokens[start - 1] not in NOT_NAME_WORDS:
        start -= 1
    while start < end - 1 and (tokens[start] in NOT_NAME_WORDS or text[starts[start] : starts[start] + 3].isupper()):
        start += 1  # "Colonel Qureshi", "FM Dar", "PM Sharif"
    return " ".join(tokens[start:end])


def merged(found: list[tuple], sides, context: Context | None = None) -> list[tuple[dict, list[tuple[int, int]]]]:
    """A paragraph's attributions, each with the character spans of every mention of its speaker.

    The outlet's own narration is not an attribution. Consecutive statements of one speaker (a
    name, then "he said", "he added"; not "he warned", a new kind of statement) are one
    attribution: the strongest cue, every side blamed,
    the statement span from the first to the last. ``speaker`` {text, start, end, side}: the
    words naming the speaker here (its first mention by name, else the pronoun), with ``text``
    the name a pronoun stands for when it is known (from this paragraph or the context)."""
    valence = attributor().valence
    out: list[tuple[dict, list[tuple[int, int]]]] = []
    named: dict[str, str] = {}
    if context and context.speaker_name:
        named[context.speaker] = context.speaker_name
    names = dict(context.names) if context else {}
    if found:
        _, tokens, text, starts, ends = found[0]
        _learn_names(tokens, text, starts, ends, names)
    for statement, tokens, text, starts, ends in found:
        if statement.speaker == OUTLET:
            continue
        first, last = statement.speaker_tokens
        if tokens[last - 1] in PRESS and "state" not in tokens[first:last]:
            statement = replace(statement, speaker=THIRD)  # "Iranian media reported": the press, not the side
        unknown = statement.speaker == UNKNOWN
        if unknown:
            side = next((names[tokens[k]] for k in range(last - 1, first - 1, -1) if tokens[k] in names), None)
            if side is None:
                side = sides.people.get(_name_at_end(tokens, text, starts, first, last))
            if side is None and tokens[first] in PRONOUNS and UNKNOWN in named:  # "Lin Jian said ... He noted"
                spoken = named[UNKNOWN]
                spans = word_spans(spoken)
                lowered = [spoken[a:b].lower().replace("\u2019", "'") for a, b in spans]
                side = sides.people.get(_name_at_end(lowered, spoken, [a for a, _ in spans], 0, len(spans)))
            name = first + (tokens[first] == "the" and last - first > 1)  # "the US"
            if side is None and (
                tokens[name] not in PRONOUNS
                and text[starts[name]].isupper()
                and not all(tokens[k] in TITLE_WORDS or tokens[k] in FUNCTION_WORDS for k in range(first, last))
                or any(tokens[k] in GROUPS for k in range(first, last))  # "security analyst Syed Mohammad Ali"
            ):
                side = THIRD  # a name or group tied to neither side: readers call it a third party, rarely unknown;
                # a title alone capitalised at a sentence's start ("Officials said") names no one: unknown
            if side in SIDES:  # its targets were read for an unknown speaker: read them again, own side aside
                targets = attributor().targets(tokens, side, *statement.tokens, statement.speaker_tokens)
                statement = replace(statement, speaker=side, targets=targets)
            elif side is not None:
                statement = replace(statement, speaker=side)
        start, end = starts[first], ends[last - 1]
        if text.endswith(("'s", "’s"), start, end) and end - start > 2:
            end -= 2  # "Islamabad's claims": the speaker is Islamabad
        if text.count("(", start, end) > text.count(")", start, end) and text.startswith(")", end):
            end += 1  # "The Israel Defense Forces (IDF)"
        words = text[start:end]
        resolved = tokens[first] in PRONOUNS or (last - first == 1 and tokens[first] in ROLES)
        key = UNKNOWN if unknown else statement.speaker  # an unknown speaker's name, whatever side it was given
        if not resolved and key in SIDES + (THIRD, UNKNOWN):
            named[key] = words
        who = named.get(key, words) if resolved else words
        cue = _public_cue(statement.cue)
        targets = [t for t in statement.targets if _blames(statement, tokens, t, valence)]
        s_first, s_last = statement.tokens
        span = {"start": starts[s_first], "end": ends[s_last - 1]}
        if out:
            prior, mentions = out[-1]
            same = prior["speaker"]["side"] == _side_name(statement.speaker, sides) and (
                resolved or prior["speaker"]["text"] == who
            )
            if same and tokens[first] in PRONOUNS and statement.cue not in ("quote", "say") and cue != prior["cue"]:
                same = False  # "Tarar said ... He warned ...": a new kind of statement is its own attribution
            if (
                same
                and statement.speaker != UNKNOWN
                or (statement.cue == "quote" and prior["speaker"]["text"] == who)
                or (start, end) == mentions[-1]  # the same words and side: a quote's earlier sentences, then its cue
                and prior["speaker"]["side"] == _side_name(statement.speaker, sides)
            ):
                prior["cue"] = min(prior["cue"], cue, key=CUE_STRENGTH.index)
                for target in targets:
                    name = _side_name(target, sides)
                    if name not in prior["targets"]:
                        prior["targets"].append(name)
                prior["statement"]["end"] = max(prior["statement"]["end"], span["end"])
                mentions.append((start, end))
                continue
        out.append(
            (
                {
                    "speaker": {"text": who, "start": start, "end": end, "side": _side_name(statement.speaker, sides)},
                    "cue": cue,
                    "targets": [_side_name(t, sides) for t in targets],
                    "statement": span,
                },
                [(start, end)],
            )
        )
    for attribution, _ in out:
        attribution["targets"].sort(key=lambda name: (name != sides.a.name, name))
    return out


def describe(found: list[tuple], sides, context: Context | None = None) -> list[dict]:
    """A paragraph's ``attributions`` for its result (see ``merged``)."""
    return [attribution for attribution, _ in merged(found, sides, context)]


THIRD_PERSON = {
    "accuse": "accuses",
    "blame": "blames",
    "criticise": "criticises",
    "warn": "warns",
    "demand": "demands",
    "deny": "denies",
    "claim": "claims",
    "say": "says",
    "quote": "says",
}
BLAMING_WORDS = frozenset(_public_cue(cue) for cue in TARGETING_CUES)


def in_words(attribution: dict) -> str:
    """An attribution as an analyst reads it: "Mujahid (afghanistan) blames pakistan"."""
    speaker = attribution["speaker"]
    who = f"{speaker['text']} ({speaker['side']})"
    cue = attribution["cue"]
    if not attribution["targets"]:
        return f"{who} {THIRD_PERSON.get(cue, 'says')}, blaming neither side"
    verb = THIRD_PERSON[cue] if cue in BLAMING_WORDS else "blames"
    return f"{who} {verb} {' and '.join(attribution['targets'])}"


def attributions_of(analysed, sides, context_analysed=None) -> list[list[dict]]:
    """Each paragraph's ``attributions``, read with ``context_analysed`` (the paragraphs before them) as context."""
    context = read_context(context_analysed) if context_analysed is not None else None
    return [describe(found, sides, context) for found in statements_of(analysed, context)]
