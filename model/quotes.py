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

_OPENERS = {"\u201c": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201d", "\u2018": "\u2019"}
_REPORTING = (
    r"said|says|say|saying|told|tells|tell|telling|stated|states|state|stating|added|adds|adding|"
    r"accused|accuses|accuse|accusing|alleged|alleges|allege|alleging|claimed|claims|claim|claiming|"
    r"insisted|insists|insist|insisting|argued|argues|argue|arguing|warned|warns|warn|warning|"
    r"maintained|maintains|maintain|maintaining|contended|contends|contend|contending|"
    r"stressed|stresses|stress|stressing|asserted|asserts|assert|asserting|noted|notes|noting|"
    r"blamed|blames|blame|blaming|condemned|condemns|condemn|condemning|denied|denies|deny|denying|"
    r"charged|charges|described|describes|describing|called|calls|calling|urged|urges|urging|"
    r"cautioned|cautions|caution|cautioning|declared|declares|declaring|wrote|writes|writing|"
    r"announced|announces|reported|reports|reporting|acknowledged|acknowledges|admitted|admits|"
    r"dismissed|dismisses|dismissing|rejected|rejects|rejecting|criticised|criticized|criticises|"
    r"criticizes|criticising|criticizing|tweeted|posted|complained|complains|vowed|vows|vowing|"
    r"threatened|threatens|demanded|demands|demanding|questioned|questions|asked|asks|"
    r"characterized|characterised|characterizes|characterises|interpret|interprets|interpreted|"
    r"view|views|viewed|see|sees|portray|portrays|portrayed|reiterated|reiterates|believes|believe"
)
_REPORTING_VERB = re.compile(rf"\b(?:{_REPORTING})\b", re.I)
_CLOSING_VERBS = r"said|says|added|adds|told|noted|stated|claimed|claims|insisted|reported|wrote|warned|argued"
_CLOSING_ATTRIBUTION = re.compile(
    rf",[\"\u201d\u2019]?\s+(?:[\w.\u2019'\-]+\s+){{0,6}}(?:{_CLOSING_VERBS})(?:\s+[\w.\u2019'\-]+){{0,3}}\s*[.!?]?\s*$",
    re.I,
)
_ACCORDING_TO = re.compile(r"\baccording to\b[^,]{0,120},", re.I)
_SENTENCE = re.compile(r"[^.!?\u2026]+(?:[.!?\u2026]+[\"'\u201d\u2019)\]]*|$)")
_STRAIGHT = re.compile(r'"')


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges inside quotation marks (the marks included), sorted, not overlapping."""
    regions: list[tuple[int, int]] = []
    open_at: int | None = None
    closer = ""
    straight_open: int | None = None
    for i, ch in enumerate(text):
        if open_at is None and straight_open is None:
            if ch in _OPENERS and (ch != "\u2018" or _starts_single_quote(text, i)):
                open_at, closer = i, _OPENERS[ch]
            elif ch == '"':
                straight_open = i
            elif ch in "\u201d\u00bb" and not regions:
                regions.append((0, i + 1))
        elif straight_open is not None:
            if ch == '"':
                regions.append((straight_open, i + 1))
                straight_open = None
        elif ch == closer and (closer != "\u2019" or _ends_single_quote(text, i)):
            regions.append((open_at, i + 1))
            open_at = None
    pending = open_at if open_at is not None else straight_open
    if pending is not None:
        regions.append((pending, len(text)))
    return regions


def _starts_single_quote(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isalnum() and (after.isalnum() or after in "\u201c\"")


def _ends_single_quote(text: str, i: int) -> bool:
    after = text[i + 1] if i + 1 < len(text) else " "
    return not after.isalnum()


def attributed_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges of speech attributed to a party without quotation marks."""
    regions = []
    for sentence in _SENTENCE.finditer(text):
        start, end = sentence.span()
        body = text[start:end]
        closing = _CLOSING_ATTRIBUTION.search(body)
        verb = _REPORTING_VERB.search(body)
        according = _ACCORDING_TO.search(body)
        if closing and (verb is None or verb.start() >= closing.start()):
            regions.append((start, start + closing.start()))
        elif verb:
            regions.append((start + verb.end(), end))
        if according:
            regions.append((start + according.end(), end))
    return regions


def voice_mask(text: str) -> list[bool]:
    """For each character, True if it is a party's words (quoted or attributed)."""
    mask = [False] * len(text)
    for start, end in quote_regions(text) + attributed_regions(text):
        for i in range(start, end):
            mask[i] = True
    return mask


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
