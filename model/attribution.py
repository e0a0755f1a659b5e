"""Who speaks and whom they blame: statements, their speakers and their targets.

A paragraph's words (as ``features`` reads them: lower case, each side mention one token
``side_a`` / ``side_b`` / ``third_party``) and the text between them (punctuation, quote marks)
are enough to find, with light rules in the manner of quote-attribution systems:

- **statements**: a reporting or blame cue ("said", "wrote", "accused", "denied", "according
  to", ...) with its **speaker**: the name, side mention, role or pronoun next to the cue in
  its clause ("Mujahid wrote", "said the minister", "according to Pakistan's army", "Kabul
  accused Islamabad", "was accused by India"); pronouns and bare roles ("he", "the minister")
  take the last speaker named before them (in the paragraph or in the context given);
- a sentence that is all quotation and follows a statement continues it (a quote split over
  sentences);
- the outlet's own sentences that name a side near negatively charged words are statements
  whose speaker is the outlet;
- a statement's **targets**: the sides its content names, other than the speaker's own side;
  where the speaker's side is unknown and both sides are named, the one whose neighbourhood is
  more negative (VADER valence), so "the irresponsible attitude of the Pakistani delegation ...
  despite the sincere efforts of the Afghan delegation" targets Pakistan.

Everything is relative to the sides (``side_a`` / ``side_b``), so a statement's features swap
exactly when the sides' names swap, as the direction head requires.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from model.features import CUE_OF
from model.lexicon import vader_valence
from model.sides import SIDE_A, SIDE_B, THIRD

CUES = {
    "accuse": "accused accuses accusing accuse alleged alleges alleging charged charges",
    "blame": "blamed blames blaming blame",
    "deny": "denied denies denying deny rejected rejects rejecting dismissed dismisses dismissing refuted refutes",
    "condemn": "condemned condemns condemning criticised criticized criticises criticizes criticising criticizing "
               "slammed slams denounced denounces lambasted censured",
    "warn": "warned warns warning threatened threatens vowed vows cautioned",
    "claim": "claimed claims claiming insisted insists asserted asserts maintained maintains",
    "say": "said says saying told tells added adds wrote writes stated states noted notes posted announced "
           "declared stressed argued explained emphasised emphasized tweeted remarked described describes "
           "called calls urged urges demanded demands",
}
CUE_CLASS = {word: cue for cue, words in CUES.items() for word in words.split()}
BLAMING = frozenset({"accuse", "blame", "condemn"})
PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
ROLES = frozenset(("spokesman spokesperson spokeswoman minister ministry official officials government army "
                   "military embassy office delegation president premier leader leaders envoy ambassador "
                   "statement source sources commander chief authorities administration").split())
AUXILIARIES = frozenset({"was", "were", "is", "are", "been", "being", "be"})
SIDES = (SIDE_A, SIDE_B)
OUTLET, UNKNOWN = "outlet", "unknown"
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s")
_CLOSING_QUOTE = re.compile(r"[”\"’»]")
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|[”\"»“«]")
WINDOW = 8
NEGATIVE = -0.5


@dataclass(frozen=True)
class Statement:
    """One statement: token ranges are indices into the paragraph's tokens."""

    speaker: str              # side_a, side_b, third_party, unknown, outlet
    speaker_tokens: tuple[int, int]  # [first, last) of the speaker's words; (i, i) for the outlet
    cue: str                  # accuse, blame, deny, condemn, warn, claim, say, quote, outlet
    targets: tuple[str, ...]  # side_a / side_b
    tokens: tuple[int, int]   # [first, last) of the statement's words
    quoted: bool              # the content is a party's words (quotation or attributed speech)
    content: str = "none"     # what the content does: blame, attack, deny, defend or none (model.features cues)

    def features(self) -> list[str]:
        voice = "q" if self.quoted else "e"
        names = [f"att:{self.speaker}>{self.cue}", f"att:{self.speaker}>{self.cue}>{voice}"]
        names.append(f"att:{self.speaker}>{self.cue}>{self.content}")
        for target in self.targets or ("none",):
            names += [f"att:{self.speaker}>{target}", f"att:{self.speaker}>{self.cue}>{target}",
                      f"att:{self.speaker}>{target}>{self.content}"]
            if self.speaker in SIDES and target in SIDES and self.cue == "deny":
                names.append(f"att:denies:{self.speaker}>{target}")
            elif self.speaker in SIDES and target in SIDES and (self.cue in BLAMING or self.content in ("blame", "attack")):
                names.append(f"att:blames:{self.speaker}>{target}")
        return names


def _sentences(text: str, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """Token ranges of the sentences: a sentence ends where the text between two words has a full stop,
    question or exclamation mark followed (after closing quotes or brackets) by white space, unless the
    word before it is an abbreviation or an initial."""
    bounds, first = [], 0
    for found in _SENTENCE_END.finditer(text):
        i = bisect_right(starts, found.start())  # the first word after the mark
        if first < i < len(starts) and ends[i - 1] <= found.start() and not _abbreviation(text, starts[i - 1], ends[i - 1]):
            bounds.append((first, i))
            first = i
    if starts:
        bounds.append((first, len(starts)))
    return bounds


ABBREVIATIONS = frozenset("jr sr mr mrs ms dr st gen lt col maj capt sgt adm gov sen rep prof no vs u.s u.k u.n".split())


def _abbreviation(text: str, start: int, end: int) -> bool:
    """Is the word at [start, end) an abbreviation or an initial, whose full stop ends no sentence?"""
    word = text[start:end]
    return word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _gap(text: str, ends: list[int], starts: list[int], i: int) -> str:
    """The text between token i - 1 and token i."""
    return text[ends[i - 1]:starts[i]] if i > 0 else text[:starts[0]] if starts else ""


CONTENT_ORDER = ("blame", "attack", "deny", "defend")


def _content(tokens: list[str], first: int, last: int, skip: tuple[int, int], cue_at: int | None) -> str:
    """The strongest kind of cue word in the statement's words (the speaker and the cue itself aside)."""
    kinds = {CUE_OF.get(tokens[j]) for j in range(first, last) if j != cue_at and not (skip[0] <= j < skip[1])}
    return next((kind for kind in CONTENT_ORDER if kind in kinds), "none")


def _valence(tokens: list[str], i: int, valence: dict[str, float], reach: int = 4) -> float:
    return sum(valence.get(tokens[j], 0.0) for j in range(max(0, i - reach), min(len(tokens), i + reach + 1)))


class Attributor:
    """Finds the statements of paragraphs; ``previous`` carries the last speaker between
    paragraphs of one article (context)."""

    def __init__(self) -> None:
        self.valence = vader_valence()

    def speaker_at(self, tokens, text, starts, ends, cue_at: int, first: int, last: int,
                   previous: tuple[str, tuple[int, int]] | None, sentence_speaker=None):
        """(speaker, [first, last) of its words, whether it was resolved from an earlier speaker) for the
        cue at ``cue_at`` in sentence [first, last); None when the cue has no speaker."""
        word = tokens[cue_at]
        if word == "according":
            return self._forward(tokens, text, starts, ends, cue_at + 2, last, previous)
        if cue_at > first and tokens[cue_at - 1] in AUXILIARIES:
            for j in range(cue_at + 1, min(last, cue_at + 5)):
                if tokens[j] == "by":
                    return self._forward(tokens, text, starts, ends, j + 1, last, previous)
            return None
        if cue_at > first and (tokens[cue_at - 1] in ("and", "but", "also") or
                               word.endswith("ing") and _CLAUSE_BREAK.search(_gap(text, ends, starts, cue_at))):
            if sentence_speaker is not None:
                return sentence_speaker[0], sentence_speaker[1], True
        found = self._backward(tokens, text, starts, ends, cue_at, first, previous)
        if found is None and cue_at > first and _CLOSING_QUOTE.search(_gap(text, ends, starts, cue_at)):
            found = self._forward(tokens, text, starts, ends, cue_at + 1, last, previous)
        return found

    @staticmethod
    def _resolve(j: int, previous):
        """A pronoun or bare role at token j: the last speaker named before it, else unknown."""
        return (previous[0], (j, j + 1), True) if previous else (UNKNOWN, (j, j + 1), True)

    def _backward(self, tokens, text, starts, ends, cue_at, first, previous):
        role = None
        for j in range(cue_at - 1, max(first - 1, cue_at - 1 - WINDOW), -1):
            token = tokens[j]
            if token in (SIDE_A, SIDE_B, THIRD):
                return token, (j, j + 1), False
            if token in PRONOUNS:
                return self._resolve(j, previous) if j == cue_at - 1 or tokens[j + 1] in ("also", "later", "then") \
                    else None
            if token in ("who", "which"):
                if j > first and tokens[j - 1] in (SIDE_A, SIDE_B, THIRD):
                    return tokens[j - 1], (j - 1, j), False
                return None
            if token in ROLES and role is None:
                role = j
            if token in CUE_CLASS and j < cue_at - 1:
                break
            if _CLAUSE_BREAK.search(_gap(text, ends, starts, j)):
                break
        if role is not None:
            if role > first and text[starts[role - 1]:starts[role - 1] + 1].isupper():
                return UNKNOWN, (role - 1, role + 1), False
            if role > first and tokens[role - 1] == "the":
                return self._resolve(role, previous)
            return UNKNOWN, (role, role + 1), False
        j = cue_at - 1
        if j >= first and text[starts[j]:starts[j] + 1].isupper() and not _CLAUSE_BREAK.search(_gap(text, ends, starts, cue_at)):
            k = j
            while k > first and text[starts[k - 1]:starts[k - 1] + 1].isupper() \
                    and not _CLAUSE_BREAK.search(_gap(text, ends, starts, k)):
                k -= 1
            return UNKNOWN, (k, j + 1), False
        return None

    def _forward(self, tokens, text, starts, ends, begin, last, previous):
        for j in range(begin, min(last, begin + WINDOW)):
            token = tokens[j]
            if token in (SIDE_A, SIDE_B, THIRD):
                return token, (j, j + 1), False
            if token in PRONOUNS:
                return self._resolve(j, previous)
            if token in ROLES:
                return self._resolve(j, previous) if j > begin and tokens[j - 1] == "the" else (UNKNOWN, (j, j + 1), False)
            if j > begin and _CLAUSE_BREAK.search(_gap(text, ends, starts, j)):
                break
        return None

    def targets(self, tokens, speaker: str, first: int, last: int, skip: tuple[int, int]) -> tuple[str, ...]:
        named = {}
        for j in range(first, last):
            if tokens[j] in SIDES and not (skip[0] <= j < skip[1]):
                named.setdefault(tokens[j], []).append(j)
        if speaker in SIDES:
            return tuple(s for s in SIDES if s in named and s != speaker)
        if len(named) == 2:
            score = {s: min(_valence(tokens, j, self.valence) for j in at) for s, at in named.items()}
            if abs(score[SIDE_A] - score[SIDE_B]) >= 1.0:
                return (min(score, key=score.get),)
        return tuple(s for s in SIDES if s in named)

    def statements(self, tokens: list[str], text: str, starts: list[int], ends: list[int], party: list[bool],
                   previous: tuple[str, tuple[int, int]] | None = None) -> tuple[list[Statement], tuple | None]:
        """The paragraph's statements, and the last speaker (to pass on as the next paragraph's context)."""
        found: list[Statement] = []
        cues = [(j, CUE_CLASS.get(word, "say")) for j, word in enumerate(tokens)
                if word in CUE_CLASS or word == "according" and j + 1 < len(tokens) and tokens[j + 1] == "to"]
        at = 0
        for first, last in _sentences(text, starts, ends):
            made = False
            while at < len(cues) and cues[at][0] < last:
                j, cue = cues[at]
                at += 1
                if j < first or (cue == "say" and tokens[j] == "according" and tokens[j + 1] != "to"):
                    continue
                speaker = self.speaker_at(tokens, text, starts, ends, j, first, last, previous,
                                          (found[-1].speaker, found[-1].speaker_tokens) if made else None)
                if speaker is None:
                    continue
                who, span, resolved = speaker
                if not resolved:
                    previous = (who, span)
                found.append(Statement(who, span, cue, self.targets(tokens, who, first, last, span), (first, last),
                                       quoted=any(party[first:last]), content=_content(tokens, first, last, span, j)))
                made = True
            if made:
                continue
            inside = party[first:last]
            if found and inside and all(inside) and found[-1].tokens[1] == first:
                prior = found[-1]
                found.append(Statement(prior.speaker, prior.speaker_tokens, "quote",
                                       self.targets(tokens, prior.speaker, first, last, (0, 0)), (first, last), True,
                                       _content(tokens, first, last, (0, 0), None)))
                continue
            if not any(inside):
                named = [k for k in range(first, last) if tokens[k] in SIDES]
                if named and min(_valence(tokens, k, self.valence) for k in named) <= NEGATIVE:
                    found.append(Statement(OUTLET, (first, first), "outlet",
                                           self.targets(tokens, UNKNOWN, first, last, (0, 0)), (first, last), False,
                                           _content(tokens, first, last, (0, 0), None)))
        return found, previous


_ATTRIBUTOR: Attributor | None = None


def attributor() -> Attributor:
    global _ATTRIBUTOR
    if _ATTRIBUTOR is None:
        _ATTRIBUTOR = Attributor()
    return _ATTRIBUTOR


def paragraph_statements(views) -> list[list[Statement]]:
    """Each paragraph's statements, for a list of ``ParagraphView`` or an ``Analysed`` batch
    (paragraphs read alone: no context)."""
    find = attributor().statements
    if hasattr(views, "bounds"):
        vocabulary, index = views.vocabulary, views.word_index
        useful = np.fromiter((w in CUE_CLASS or w in SIDES for w in vocabulary), dtype=bool, count=len(vocabulary))
        doc = np.repeat(np.arange(len(views.texts)), np.diff(views.bounds))
        wanted = np.bincount(doc[useful[index]], minlength=len(views.texts))
        starts, ends, party, bounds = views.starts.tolist(), views.ends.tolist(), views.party.tolist(), views.bounds.tolist()
        return [find([vocabulary[i] for i in index[a:b].tolist()], text, starts[a:b], ends[a:b], party[a:b])[0]
                if b > a and wanted[k] else []
                for k, (text, a, b) in enumerate(zip(views.texts, bounds[:-1], bounds[1:]))]
    return [find(list(v.tokens), v.text, [a for a, _ in v.offsets], [b for _, b in v.offsets], list(v.party))[0]
            if any(t in CUE_CLASS or t in SIDES for t in v.tokens) else [] for v in views]


class StatementSpace:
    """Statement features as dense columns: each name's count in the paragraph, log-scaled."""

    def __init__(self, min_count: int = 2):
        self.min_count = min_count

    def fit(self, names: list[list[str]]) -> "StatementSpace":
        from collections import Counter

        counts = Counter(n for row in names for n in set(row))
        self.feature_names = sorted(n for n, c in counts.items() if c >= self.min_count)
        self.column = {n: i for i, n in enumerate(self.feature_names)}
        return self

    def transform(self, names: list[list[str]]):
        out = np.zeros((len(names), len(self.feature_names)))
        for k, row in enumerate(names):
            for n in row:
                i = self.column.get(n)
                if i is not None:
                    out[k, i] += 1.0
        return np.log1p(out) / np.log(2)
