"""Split an article (plain text) into paragraphs with character offsets.

A paragraph is one block of the article as its source lays it out: a line, or lines
joined when a line was only hard-wrapped (the next line starts in lower case). Headlines,
subheads and bullet lines are paragraphs. Page furniture that is not article text is
dropped (see ``Splitter`` for the rules), never labelled or scored.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_SOURCE_CREDIT = re.compile(r"^(source|sources|by|photo|image|credit|credits|copyright|©)\s*[:\-]", re.I)
_TEASER_MARKER = re.compile(
    r"^(also see|also read|read more|read also|related|related stories|related articles|see also|"
    r"more from|recommended|you may also like)\s*:?\s*$",
    re.I,
)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_TERMINAL = ".!?\"'\u201d\u2019)\u2026:;"
_SITE_SEPARATORS = "-\u2013\u2014|\u00b7"  # "Title - Site"; a site name may contain a middle dot
_SITE_SUFFIX = re.compile(rf"\s+[{_SITE_SEPARATORS}]\s+(?P<site>[^{_SITE_SEPARATORS[:-1]}]{{2,60}})$")
_SITE_SEARCH_FROM_END = 200  # the suffix is at most ~60 characters: no need to scan the whole paragraph
# Every character but the plain space that ``str.split`` cuts at (``str.isspace``; a test checks the list).
OTHER_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_OTHER_SPACE = re.compile(f"[{OTHER_SPACES}]")


class Paragraph(NamedTuple):
    index: int
    start: int
    end: int
    text: str


def _lines(article: str) -> list[tuple[int, int]]:
    """Stripped, non-empty lines as (start, end) offsets; a blank line becomes a (-1, -1) break."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in article.splitlines(keepends=True):
        start, end = pos, pos + len(line)
        pos = end
        while start < end and (article[start].isspace() or article[start] in _INVISIBLE):
            start += 1
        while end > start and (article[end - 1].isspace() or article[end - 1] in _INVISIBLE):
            end -= 1
        if start < end:
            spans.append((start, end))
        elif spans and spans[-1] != (-1, -1):
            spans.append((-1, -1))
    return spans


def _is_continuation(previous: str, following: str) -> bool:
    """A hard-wrapped line: the previous line stops mid-sentence and the next goes on in lower case."""
    return bool(previous) and previous[-1] not in _TERMINAL and following[:1].islower()


def _is_byline(text: str) -> bool:
    """'Team Maverick.' / 'By Jane Doe': a short run of capitalised words closing the article."""
    if text[:3].lower() == "by " and len(text.split(None, 6)) <= 6:
        return True
    if not text.endswith("."):
        return False
    words = text.rstrip(".").split(None, 4)
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(ch.isdigit() for ch in text)


class Splitter:
    """Turns article text into paragraphs, dropping page furniture.

    Dropped: a paragraph repeated word for word (kept once); a short site title that also
    closes another line as ``Title - Site``; a ``Title - Site`` line whose title is already
    a paragraph; credit lines (``Source: AP``, ``By ...``); a closing byline and everything
    after it; a teaser marker (``ALSO SEE``, ``Read more``) and everything after it.
    """

    def split(self, article: str) -> list[Paragraph]:
        return self.split_with_furniture(article)[0]

    def split_with_furniture(self, article: str) -> tuple[list[Paragraph], list[tuple[int, int]]]:
        """The paragraphs, and the (start, end) of every block dropped as furniture."""
        blocks = self._blocks(article)
        texts = [article[s:e] for s, e in blocks]
        keep = self._furniture_mask(texts)
        kept = [Paragraph(i, s, e, article[s:e]) for i, (s, e) in enumerate(b for b, k in zip(blocks, keep) if k)]
        return kept, [b for b, k in zip(blocks, keep) if not k]

    def _blocks(self, article: str) -> list[tuple[int, int]]:
        blocks: list[tuple[int, int]] = []
        joinable = False
        for start, end in _lines(article):
            if start < 0:
                joinable = False
                continue
            if joinable and blocks and _is_continuation(article[blocks[-1][0] : blocks[-1][1]], article[start:end]):
                blocks[-1] = (blocks[-1][0], end)
            else:
                blocks.append((start, end))
            joinable = True
        return blocks

    def _furniture_mask(self, texts: list[str]) -> list[bool]:
        keep = [True] * len(texts)
        suffixed_sites = {}
        for i, text in enumerate(texts):
            tail = text[-_SITE_SEARCH_FROM_END:]
            if not any(separator in tail for separator in _SITE_SEPARATORS):
                continue  # no separator the suffix pattern could start at
            match = _SITE_SUFFIX.search(text, max(0, len(text) - _SITE_SEARCH_FROM_END))
            if match:
                suffixed_sites[i] = (text[: match.start()].strip(), match.group("site").strip())
        sites = {site.lower() for _, site in suffixed_sites.values()}
        seen: set[str] = set()
        for i, text in enumerate(texts):
            key = _comparable(text)
            if _TEASER_MARKER.match(text) or (_is_byline(text) and i >= len(texts) // 2):
                for j in range(i, len(texts)):
                    keep[j] = False
                break
            if key in seen or key in sites or _SOURCE_CREDIT.match(text):
                keep[i] = False
            elif i in suffixed_sites and _comparable(suffixed_sites[i][0]) in seen:
                keep[i] = False
            seen.add(key)
        return keep


def _comparable(text: str) -> str:
    """The text as repeats are compared: runs of whitespace made one space, lower case. (Every
    space but the plain one is unprintable, so a printable text needs no search for them.)"""
    if "  " in text or text[:1] == " " or text[-1:] == " " or (not text.isprintable() and _OTHER_SPACE.search(text)):
        return " ".join(text.split()).lower()
    return text.lower()


def split_paragraphs(article: str) -> list[Paragraph]:
    return Splitter().split(article)
