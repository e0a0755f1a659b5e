"""Which parts of a paragraph are a party's words and which are the outlet's own voice.

Two kinds of region are a party's words ("quoted" voice):

- text inside quotation marks: straight ``"``, curly double quotes, guillemets, and
  curly single quotes used as quotes (an apostrophe inside a word is not a quote). An
  opening mark with no close runs to the end of the paragraph (news style for a quote
  that continues in the next paragraph); a closing mark with no opening runs from the
  start.
- attributed speech without marks: the rest of a sentence after a reporting verb
  ("Tarar said the Taliban showed indifference"), the clause before a closing
  attribution ("The talks failed, officials said."), and the clause after
  "according to X,".

Everything else is the outlet's voice ("editorial").
"""

from __future__ import annotations

import re

import numpy as np

from framing.model.tokens import JOIN, Tokens, char_class, positions_of, tokenize

_OPENERS = {"\u201c": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201d", "\u2018": "\u2019"}
_MARKS = re.compile('["\u201c\u201d\u00ab\u00bb\u201e\u2018\u2019]')
_REPORTING = frozenset(
    """
said says say saying told tells tell telling stated states state stating added adds adding
accused accuses accuse accusing alleged alleges allege alleging claimed claims claim claiming
insisted insists insist insisting argued argues argue arguing warned warns warn warning
maintained maintains maintain maintaining contended contends contend contending
stressed stresses stressing asserted asserts assert asserting noted notes noting
blamed blames blaming condemned condemns condemn condemning denied denies deny denying
charged described describes describing called calls calling urged urges urging
cautioned cautions caution cautioning declared declares declaring wrote writes
announced announces reported reports acknowledged acknowledges admitted admits
dismissed dismisses dismissing rejected rejects rejecting criticised criticized criticises
criticizes criticising criticizing tweeted posted complained complains vowed vows vowing
threatened threatens demanded demands demanding questioned asked asks
characterized characterised characterizes characterises interpret interprets interpreted
view views viewed portray portrays portrayed reiterated reiterates believes believe
""".split()
)
_CLOSING = frozenset(
    "said says added adds told noted stated claimed claims insisted reported wrote warned argued".split()
)
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)")  # what _sentence_marks finds
_TERMINALS = ".!?\u2026"
_CLOSERS = "\"'\u201d\u2019)]"
_CLOSER_TABLE = np.zeros(max(map(ord, _CLOSERS)) + 2, dtype=bool)  # the last entry stands for every code point above
_CLOSER_TABLE[[ord(c) for c in _CLOSERS]] = True
_MARKS_SET = '"\u201c\u201d\u00ab\u00bb\u201e\u2018\u2019'
_ASCII_SPACE = np.array([chr(i).isspace() for i in range(128)])
_SPACES: dict[int, bool] = {}
_REPORTS, _CLOSES, _ACCORDING, _TO = 1, 2, 4, 8
_ROLE: dict[str, int] = {}
for _words, _flag in ((_REPORTING, _REPORTS), (_CLOSING, _CLOSES), (("according",), _ACCORDING), (("to",), _TO)):
    for _w in _words:
        _ROLE[_w] = _ROLE.get(_w, 0) | _flag


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges inside quotation marks (the marks included), sorted, not overlapping."""
    return _quotes(text, [(m.start(), m.group()) for m in _MARKS.finditer(text)], 0, len(text))


def _quotes(text: str, marks: list[tuple[int, str]], start: int, end: int) -> list[tuple[int, int]]:
    """Quote regions of the paragraph ``text[start:end]`` from its quotation marks (position, mark)."""
    regions: list[tuple[int, int]] = []
    open_at: int | None = None
    closer = ""
    for i, ch in marks:
        if open_at is None:
            if ch == '"':
                open_at, closer = i, '"'
            elif ch in _OPENERS and (ch != "\u2018" or _starts_single_quote(text, i)):
                open_at, closer = i, _OPENERS[ch]
            elif ch in "\u201d\u00bb" and not regions:
                regions.append((start, i + 1))
        elif ch == closer and (closer != "\u2019" or _ends_single_quote(text, i)):
            regions.append((open_at, i + 1))
            open_at = None
    if open_at is not None:
        regions.append((open_at, end))
    return regions


def _starts_single_quote(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isalnum() and (after.isalnum() or after in '\u201c"')


def _ends_single_quote(text: str, i: int) -> bool:
    after = text[i + 1] if i + 1 < len(text) else " "
    return not after.isalnum()


def attributed_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges of speech attributed to a party without quotation marks."""
    starts, ends = attributed_spans(tokenize([text]))
    return list(zip(starts.tolist(), ends.tolist()))


def attributed_spans(tokens: Tokens) -> tuple[np.ndarray, np.ndarray]:
    """Attributed speech in a whole batch, as (start, end) offsets into ``tokens.text``.

    Per sentence: a closing attribution ("..., officials said.") makes the clause before
    the sentence's last comma a party's words; otherwise a reporting verb makes the rest
    of the sentence after it a party's words; "according to X," adds the rest after the
    comma. Sentences never cross paragraphs: each paragraph's end is a sentence end.
    """
    text, start, end, points = tokens.text, tokens.start, tokens.end, tokens.points
    is_end = np.zeros(len(points) + 1, dtype=bool)
    is_end[_sentence_marks(points)] = True
    is_end[tokens.base[1:] - len(JOIN)] = True
    sentence_end = np.flatnonzero(is_end)
    paragraph = np.searchsorted(tokens.base, sentence_end, side="right") - 1
    sentence_start = np.maximum(np.concatenate([[0], sentence_end[:-1]]), tokens.base[paragraph])
    sentence = np.searchsorted(sentence_end, start, side="right")
    first = np.searchsorted(sentence, np.arange(len(sentence_end)), side="left")
    last = np.searchsorted(sentence, np.arange(len(sentence_end)), side="right")

    code = tokens.per_word(_ROLE.get, 0, np.int8)
    verb = np.full(len(sentence_end), -1)
    reporting = np.flatnonzero(code & _REPORTS)
    found, at = np.unique(sentence[reporting], return_index=True)
    verb[found] = reporting[at]

    commas = np.flatnonzero(points == ord(","))
    before = np.searchsorted(commas, sentence_end, side="left") - 1
    comma = np.where(before >= 0, commas[np.maximum(before, 0)] if len(commas) else -1, -1)
    comma = np.where(comma >= sentence_start, comma, -1)
    tail = np.clip(np.searchsorted(start, comma, side="right"), first, last)
    closers = np.concatenate([[0], np.cumsum(code & _CLOSES > 0)])
    closing = (comma >= 0) & (last > tail) & (last - tail <= 10) & (closers[np.minimum(tail + 8, last)] > closers[tail])
    verb_start = np.where(verb >= 0, start[np.maximum(verb, 0)], -1) if len(start) else verb
    verb_end = np.where(verb >= 0, end[np.maximum(verb, 0)], -1) if len(end) else verb
    before_comma = closing & ((verb < 0) | (verb_start > comma))
    after_verb = ~before_comma & (verb >= 0)
    region_start = [sentence_start[before_comma], verb_end[after_verb]]
    region_end = [comma[before_comma], sentence_end[after_verb]]
    region_sentence = [np.flatnonzero(before_comma), np.flatnonzero(after_verb)]

    according = np.flatnonzero(
        ((code[:-1] & _ACCORDING) > 0) & ((code[1:] & _TO) > 0) & (sentence[:-1] == sentence[1:])
    )
    extra, seen = [], set()
    for k in according.tolist():
        s = int(sentence[k])
        if s not in seen:
            seen.add(s)
            after = text.find(",", int(end[k]), int(sentence_end[s]))
            if after >= 0:
                extra.append((after + 1, int(sentence_end[s]), s))
    extra_array = np.array(extra, dtype=np.int64).reshape(-1, 3)
    starts = np.concatenate(region_start + [extra_array[:, 0]])
    ends = np.concatenate(region_end + [extra_array[:, 1]])
    owner = np.concatenate(region_sentence + [extra_array[:, 2]])
    kind = np.repeat([0, 0, 1], [len(region_start[0]), len(region_start[1]), len(extra_array)])
    order = np.lexsort((kind, owner))  # sentence by sentence, its "according to" region last
    return starts[order], ends[order]


def party_flags(tokens: Tokens) -> np.ndarray:
    """For each word of the batch: does it lie in a party's words (quoted or attributed)?"""
    starts, ends = attributed_spans(tokens)
    quoted_starts, quoted_ends = quoted_spans(tokens)
    starts, ends = np.concatenate([starts, quoted_starts]), np.concatenate([ends, quoted_ends])
    inside = np.zeros(len(tokens.start) + 1, dtype=np.int64)
    np.add.at(inside, np.searchsorted(tokens.start, starts, side="left"), 1)
    np.add.at(inside, np.searchsorted(tokens.start, ends, side="left"), -1)
    return np.cumsum(inside[:-1]) > 0


_STRAIGHT, _OPENING, _CLOSING_DOUBLE, _APOSTROPHE, _OTHER_MARK = range(5)
_MARK_KIND = np.full(max(map(ord, _MARKS_SET)) + 1, _OTHER_MARK, dtype=np.int8)
_MARK_KIND[[ord('"'), ord("\u201c"), ord("\u201d"), ord("\u2019")]] = [
    _STRAIGHT,
    _OPENING,
    _CLOSING_DOUBLE,
    _APOSTROPHE,
]


def quoted_spans(tokens: Tokens) -> tuple[np.ndarray, np.ndarray]:
    """Quote regions of a whole batch (as ``_quotes`` finds them per paragraph), as (start, end)
    offsets into ``tokens.text``.

    Most paragraphs only pair straight or curly double quotes: with no \u2018 in a paragraph
    its \u2019 marks are apostrophes (they could only close a \u2018), and if the rest alternate
    opening and matching closing marks ("...", \u201c...\u201d; a last opening mark runs to the
    paragraph's end), the regions are those pairs, found with NumPy. Any other paragraph
    (guillemets, single quotes, stray marks) is read mark by mark."""
    every = positions_of(tokens.points, _MARKS_SET)
    n = len(tokens.texts)
    if not len(every):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    every_owner = np.searchsorted(tokens.base, every, side="right") - 1
    every_kind = _MARK_KIND[tokens.points[every]]
    plain = np.bincount(every_owner[every_kind == _OTHER_MARK], minlength=n) == 0
    counted = every_kind != _APOSTROPHE
    marks, owner, kind = every[counted], every_owner[counted], every_kind[counted]
    rank = np.arange(len(marks)) - np.searchsorted(owner, owner, side="left")
    previous = np.concatenate([[_STRAIGHT], kind[:-1]])
    fits = np.where(
        rank % 2 == 0, kind != _CLOSING_DOUBLE, kind == np.where(previous == _STRAIGHT, _STRAIGHT, _CLOSING_DOUBLE)
    )
    plain &= np.bincount(owner[~fits], minlength=n) == 0

    opening = np.flatnonzero(plain[owner] & (rank % 2 == 0))
    closing = opening + 1
    paired = closing < len(marks)
    paired[paired] = owner[closing[paired]] == owner[opening[paired]]
    starts = [marks[opening]]
    ends = [
        np.where(paired, marks[np.minimum(closing, len(marks) - 1)] + 1, tokens.base[owner[opening] + 1] - len(JOIN))
    ]

    hard = np.flatnonzero(~plain).tolist()
    if hard:
        text, base, regions = tokens.text, tokens.base.tolist(), []
        lows = np.searchsorted(every_owner, hard, side="left").tolist()
        highs = np.searchsorted(every_owner, hard, side="right").tolist()
        for k, low, high in zip(hard, lows, highs):
            regions += _quotes(text, [(i, text[i]) for i in every[low:high].tolist()], base[k], base[k + 1] - len(JOIN))
        if regions:
            starts.append(np.array([a for a, _ in regions], dtype=np.int64))
            ends.append(np.array([b for _, b in regions], dtype=np.int64))
    return np.concatenate(starts), np.concatenate(ends)


def _sentence_marks(points: np.ndarray) -> np.ndarray:
    """Where ``_SENTENCE_END`` matches end, found with NumPy: after a full stop, !, ? or
    \u2026 and any closing marks (quotes, brackets) after it, where a space (or the end) follows."""
    after = positions_of(points, _TERMINALS) + 1
    n = len(points)
    while True:
        inside = after < n
        more = np.zeros(len(after), dtype=bool)
        more[inside] = _CLOSER_TABLE[np.minimum(points[after[inside]], len(_CLOSER_TABLE) - 1)]
        if not more.any():
            break
        after[more] += 1
    # ``after`` rises strictly (each stops at a character that is not a closing mark), so at most
    # the last one is the end of the text.
    inside = after[after < n]
    return np.concatenate([inside[char_class(points[inside], _ASCII_SPACE, str.isspace, _SPACES)], after[after == n]])


def voice_at(regions: list[tuple[int, int]], start: int, end: int) -> str:
    """'quoted' if the span [start, end) lies mostly inside the regions, else 'editorial'."""
    inside = sum(max(0, min(end, e) - max(start, s)) for s, e in regions)
    return "quoted" if inside * 2 > max(1, end - start) else "editorial"


def party_regions(text: str) -> list[tuple[int, int]]:
    """Quote and attribution regions together, merged and sorted."""
    merged: list[list[int]] = []
    for start, end in sorted(quote_regions(text) + attributed_regions(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
