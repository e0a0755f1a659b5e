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
from bisect import bisect_right

_OPENERS = {"\u201c": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201d", "\u2018": "\u2019"}
_MARKS = re.compile('["\u201c\u201d\u00ab\u00bb\u201e\u2018\u2019]')
_REPORTING = frozenset("""
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
""".split())
_CLOSING = frozenset("said says added adds told noted stated claimed claims insisted reported wrote warned argued".split())
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)")
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges inside quotation marks (the marks included), sorted, not overlapping."""
    regions: list[tuple[int, int]] = []
    open_at: int | None = None
    closer = ""
    for mark in _MARKS.finditer(text):
        i, ch = mark.start(), mark.group()
        if open_at is None:
            if ch == '"':
                open_at, closer = i, '"'
            elif ch in _OPENERS and (ch != "\u2018" or _starts_single_quote(text, i)):
                open_at, closer = i, _OPENERS[ch]
            elif ch in "\u201d\u00bb" and not regions:
                regions.append((0, i + 1))
        elif ch == closer and (closer != "\u2019" or _ends_single_quote(text, i)):
            regions.append((open_at, i + 1))
            open_at = None
    if open_at is not None:
        regions.append((open_at, len(text)))
    return regions


def _starts_single_quote(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isalnum() and (after.isalnum() or after in "\u201c\"")


def _ends_single_quote(text: str, i: int) -> bool:
    after = text[i + 1] if i + 1 < len(text) else " "
    return not after.isalnum()


def attributed_regions(text: str, offsets: list[tuple[int, int]] | None = None,
                       lowered: list[str] | None = None) -> list[tuple[int, int]]:
    """Character ranges of speech attributed to a party without quotation marks."""
    offsets = [m.span() for m in _WORD.finditer(text)] if offsets is None else offsets
    lowered = [text[a:b].lower() for a, b in offsets] if lowered is None else lowered
    starts = [a for a, _ in offsets]
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] < len(text):
        ends.append(len(text))
    regions, w, start = [], 0, 0
    for end in ends:
        first = w
        while w < len(offsets) and offsets[w][0] < end:
            w += 1
        sentence = lowered[first:w]
        verb = next((k for k, word in enumerate(sentence) if word in _REPORTING), None)
        comma = text.rfind(",", start, end)
        tail = range(bisect_right(starts, comma, first, w) - first, w - first) if comma >= 0 else []
        closing = (len(tail) <= 10 and any(sentence[k] in _CLOSING for k in tail[:8])) if tail else False
        if closing and (verb is None or offsets[first + verb][0] > comma):
            regions.append((start, comma))
        elif verb is not None:
            regions.append((offsets[first + verb][1], end))
        for k in range(len(sentence) - 1):
            if sentence[k] == "according" and sentence[k + 1] == "to":
                after = text.find(",", offsets[first + k][1], end)
                if after >= 0:
                    regions.append((after + 1, end))
                break
        start = end
    return regions


def voice_at(regions: list[tuple[int, int]], start: int, end: int) -> str:
    """'quoted' if the span [start, end) lies mostly inside the regions, else 'editorial'."""
    inside = sum(max(0, min(end, e) - max(start, s)) for s, e in regions)
    return "quoted" if inside * 2 > max(1, end - start) else "editorial"


def party_regions(text: str, offsets: list[tuple[int, int]] | None = None,
                  lowered: list[str] | None = None) -> list[tuple[int, int]]:
    """Quote and attribution regions together, merged and sorted."""
    merged: list[list[int]] = []
    for start, end in sorted(quote_regions(text) + attributed_regions(text, offsets, lowered)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
