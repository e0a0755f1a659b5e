"""The two sides of a dispute and how to find them in text.

A sides configuration names side A and side B with their aliases (and, optionally,
third parties such as mediators or militant groups whose names contain a side's name,
like "Tehreek-e-Taliban Pakistan"). The model never sees party names: ``mask`` rewrites
every alias to ``side_a`` / ``side_b`` and every third party to ``third_party``, so what
it learns is relative to the row's sides and carries over to other disputes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from framing.model.speech_words import NOT_NAME_WORDS
from framing.model.tokens import Tokens, tokenize, words
from framing.paths import SIDES_DIR

SIDE_A, SIDE_B, THIRD = "side_a", "side_b", "third_party"
MENTION_TOKENS = (SIDE_A, SIDE_B, THIRD)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
# Possessives, plurals and demonym endings: Pakistan's, Afghans, Afghans', Pakistani(s).
MAX_ALIASES = 200


def _last_word_forms(word: str) -> frozenset[str]:
    """How the last word of a multi-word alias may appear: itself, possessive, plural (Afghan Talibans')."""
    return frozenset((word, word + "'s", word + "\u2019s", word + "es", word + "s"))


def _inflections(word: str) -> tuple[str, ...]:
    """The forms in which a one-word alias may appear: itself, possessive, plural."""
    return (word, word + "'s", word + "\u2019s", word + "s", word + "es", word + "s'", word + "s\u2019")


def alias_words(alias: str) -> tuple[str, ...]:
    """An alias's words as ``tokenize`` writes them (lower case, \u2019 as ')."""
    return tuple(alias[a:b].lower().replace("\u2019", "'") for a, b in words(alias))


class SidesError(ValueError):
    """A sides configuration that cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class Side:
    """``aliases`` are the side's names, which ``mask`` hides from the model; ``speakers`` are more
    people and outlets that speak for it (officials, other spellings, state media), which are not
    masked: masking them lowered direction macro-F1 on real news held out by outlet (0.626 -> 0.620).
    They set the side of people met by name in attributions (``model.attribution``), which the
    direction head reads through the statements' votes (``model.votes``)."""

    name: str
    aliases: tuple[str, ...]
    speakers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sides:
    dispute: str
    a: Side
    b: Side
    third_parties: tuple[str, ...] = ()
    _patterns: tuple = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        for side in (self.a, self.b):
            if not _NAME.match(side.name):
                raise SidesError(f"side name {side.name!r} must be lower-case letters, digits, '-', '_' or '.'")
            if not side.aliases:
                raise SidesError(f"side {side.name!r} has no aliases")
            if len(side.aliases) > MAX_ALIASES:
                raise SidesError(f"side {side.name!r} has more than {MAX_ALIASES} aliases")
        if self.a.name == self.b.name:
            raise SidesError(f"both sides are named {self.a.name!r}")
        object.__setattr__(self, "_patterns", self._compile())

    @property
    def names(self) -> tuple[str, str]:
        return self.a.name, self.b.name

    @cached_property
    def people(self) -> dict[str, str]:
        """The people the aliases and speakers list, by full name ("lin jian": side A) and by their
        first and last words alone ("lin", "jian"), and the one-word speakers ("araqchi",
        "nournews"), so that a person met by one name ("Lin said", "Dar said") takes their side
        (``model.attribution``). A person is a name of two to four capitalised words, none a
        title's or an institution's ("PTV News" is not one); a name that another side's or a third
        party's person shares is left out, and a full name not listed is not guessed from its last
        word ("Ali Reza Karimi" is not "Bilal Karimi"). Worked out once per Sides."""
        owners: dict[str, set] = {}
        named = [
            (token, alias, speaker)
            for token, side in ((SIDE_A, self.a), (SIDE_B, self.b))
            for names, speaker in ((side.aliases, False), (side.speakers, True))
            for alias in names
        ]
        for owner, alias, speaker in named + [(THIRD, alias, False) for alias in self.third_parties]:
            found = alias_words(alias)
            if speaker and len(found) == 1 and found[0] not in NOT_NAME_WORDS:
                owners.setdefault(found[0], set()).add(owner)
            elif (
                1 < len(found) <= 4
                and all(word[:1].isupper() for word in alias.split())
                and not any(word in NOT_NAME_WORDS for word in found)
            ):
                for name in (found[0], found[-1], " ".join(found)):
                    owners.setdefault(name, set()).add(owner)
        return {
            name: owner.pop()
            for name, owner in owners.items()
            if len(owner) == 1 and THIRD not in owner and len(name) > 2
        }

    @property
    def directions(self) -> tuple[str, str, str, str]:
        """Direction labels in the order A->B, B->A, mutual, none."""
        return f"{self.a.name}->{self.b.name}", f"{self.b.name}->{self.a.name}", "mutual", "none"

    def _compile(self) -> tuple:
        """Index aliases by their first word: {word: [(words, last word forms, token, exact_case_alias), ...]}
        longest first; also every word that is a name in itself (with its kind, an index into
        ``MENTION_TOKENS``) and every word that starts a longer name, as tables for ``Tokens.lookup``.

        An alias written in capitals of up to five letters (IEA, RTA, US) only matches in
        capitals, so that "us" or "iea" in running text is not read as a side.
        """
        owners: dict[tuple[str, ...], str] = {}
        for alias in self.third_parties:
            owners.setdefault(alias_words(alias), THIRD)
        for token, side in ((SIDE_A, self.a), (SIDE_B, self.b)):
            for alias in side.aliases:
                key = alias_words(alias)
                if not key:
                    raise SidesError(f"side {side.name!r}: alias {alias!r} has no letters or digits")
                if owners.get(key, token) not in (token, THIRD):
                    raise SidesError(f"alias {alias!r} is given for both sides")
                owners.setdefault(key, token)
        capitals = {
            alias_words(a): a.strip()
            for side in (self.a, self.b)
            for a in side.aliases
            if a.strip().isupper() and len(a.strip()) <= 5
        }
        capitals.update(
            {alias_words(a): a.strip() for a in self.third_parties if a.strip().isupper() and len(a.strip()) <= 5}
        )
        single: dict[str, tuple[str, str | None]] = {}
        multi: dict[str, list] = {}
        for key, token in owners.items():
            if len(key) == 1:
                for form in _inflections(key[0]):
                    if form not in single or form == key[0]:
                        single[form] = (token, capitals.get(key))
            else:
                multi.setdefault(key[0], []).append((key, _last_word_forms(key[-1]), token, capitals.get(key)))
        for entries in multi.values():
            entries.sort(key=lambda e: -len(e[0]))
        single_kinds = {word: MENTION_TOKENS.index(token) for word, (token, _) in single.items()}
        return single, multi, frozenset(single) | frozenset(multi), single_kinds, dict.fromkeys(multi, True)

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, token) for every alias or third-party name in ``text``."""
        tokens = tokenize([text])
        firsts, lasts, kinds = self.find(tokens)
        return [
            (int(tokens.start[f]), int(tokens.end[l - 1]), MENTION_TOKENS[k])
            for f, l, k in zip(firsts.tolist(), lasts.tolist(), kinds.tolist())
        ]

    def first_words(self) -> frozenset:
        """Every word (in lower case, with its inflections) that can start one of the names."""
        return self._patterns[2]

    def find(self, tokens: Tokens) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every alias or third-party name in a batch of paragraphs: (first word, word after the
        last, kind: an index into ``MENTION_TOKENS``), sorted. Reading left to right, the longest
        name starting at a word wins and the words it covers start no other; no name spans two
        paragraphs (the newline between them is not a joiner)."""
        single, multi, _, single_kinds, multi_starts = self._patterns
        index, n_words = tokens.word_index, len(tokens.word_index)
        firsts, lasts, kinds = [], [], []
        length = np.zeros(n_words, dtype=np.int64)
        kind = np.zeros(n_words, dtype=np.int64)
        starters = np.flatnonzero(tokens.lookup(multi_starts, False, bool))
        for word_id in np.unique(index[starters]).tolist():
            at = starters[index[starters] == word_id]
            for key, last_forms, token, capitals in multi[tokens.vocabulary[word_id]]:
                if not all(w in tokens.place for w in key[1:-1]) or tokens.place.keys().isdisjoint(last_forms):
                    continue  # a word of the name is nowhere in the batch
                matched = _matches(tokens, at, key, last_forms, capitals)
                length[at[matched]], kind[at[matched]] = len(key), MENTION_TOKENS.index(token)
                at = at[~matched]
                if not len(at):
                    break
        covered = np.zeros(n_words + 1, dtype=bool)
        after = 0
        for i in np.flatnonzero(length).tolist():
            if i >= after:
                after = i + int(length[i])
                covered[i:after] = True
                firsts.append(i)
                lasts.append(after)
                kinds.append(int(kind[i]))
        single_kind = tokens.lookup(single_kinds, -1)
        hits = np.flatnonzero((single_kind >= 0) & ~covered[:n_words])
        capitals = [i for i in hits.tolist() if single[tokens.word(i)][1]]
        if capitals:
            starts = tokens.start
            wrong = [
                i
                for i in capitals
                if not tokens.text[starts[i] : starts[i] + len(single[tokens.word(i)][1].lower())].isupper()
            ]
            hits = hits[~np.isin(hits, wrong)] if wrong else hits
        first = np.concatenate([np.array(firsts, dtype=np.int64), hits])
        order = np.argsort(first, kind="stable")
        last = np.concatenate([np.array(lasts, dtype=np.int64), hits + 1])
        which = np.concatenate([np.array(kinds, dtype=np.int64), single_kind[hits]])
        return first[order], last[order], which[order]

    def mask(self, text: str) -> str:
        """The text with each side's aliases replaced by ``side_a`` / ``side_b``."""
        pieces, pos = [], 0
        for start, end, token in self.mentions(text):
            pieces.append(text[pos:start])
            pieces.append(f" {token} ")
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)

    def swap_text(self, text: str) -> str:
        """The text with every alias of A replaced by one of B and back (the symmetry test)."""
        pieces, pos = [], 0
        for start, end, token in self.mentions(text):
            if token == THIRD:
                continue
            pieces.append(text[pos:start])
            pieces.append(
                _counterpart(
                    text[start:end], self.a if token == SIDE_A else self.b, self.b if token == SIDE_A else self.a
                )
            )
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)

    def swapped(self) -> Sides:
        """The same dispute with A and B in the other order."""
        return Sides(self.dispute, self.b, self.a, self.third_parties)

    def speakers_exchanged(self) -> Sides:
        """The same sides with their listed speakers traded: the sides to read a ``swap_text`` with,
        which trades the sides' names but leaves people's ("Mujahid said Islamabad ..." becomes
        "Mujahid said Kabul ..."), so that Mujahid changes sides with the names and the swap is an
        exact mirror."""
        return Sides(
            self.dispute,
            replace(self.a, speakers=self.b.speakers),
            replace(self.b, speakers=self.a.speakers),
            self.third_parties,
        )

    def to_dict(self) -> dict:
        """The mapping ``sides_from_mapping`` reads back (as score-folder's workers do)."""
        return {
            "dispute": self.dispute,
            "side": [
                {"name": s.name, "aliases": list(s.aliases), "speakers": list(s.speakers)} for s in (self.a, self.b)
            ],
            "third_parties": list(self.third_parties),
        }


def _matches(
    tokens: Tokens, at: np.ndarray, key: tuple[str, ...], last_forms: frozenset[str], capitals: str | None
) -> np.ndarray:
    """Which positions in ``at`` (words equal to ``key[0]``) start the multi-word name ``key``
    (a mask over ``at``): its middle words exact, its last word in ``last_forms``, only spaces,
    hyphens or dots (at most three) between the words, and written in capitals if ``capitals``."""
    n = len(key)
    index, place = tokens.word_index, tokens.place
    ok = at + n <= len(index)
    last = np.zeros(len(tokens.vocabulary) + 1, dtype=bool)
    last[[place[w] for w in last_forms if w in place]] = True
    ok[ok] = last[index[at[ok] + n - 1]]
    for m in range(1, n - 1):
        ok[ok] = index[at[ok] + m] == place.get(key[m], -1)
    for k in range(n - 1):
        where = at[ok] + k
        gap_start, gap_end = tokens.end[where], tokens.start[where + 1]
        joined = gap_end - gap_start <= 3
        for d in range(3):
            inside = joined & (gap_start + d < gap_end)
            joined[inside] = _JOINER_TABLE[np.minimum(tokens.points[gap_start[inside] + d], len(_JOINER_TABLE) - 1)]
        ok[ok] = joined
    if capitals and ok.any():
        starts, text = tokens.start, tokens.text
        for j in np.flatnonzero(ok).tolist():
            i = int(at[j])
            ok[j] = all(text[starts[i + k] : starts[i + k] + len(key[k])].isupper() for k in range(n))
    return ok


_JOINERS = " \t-.\u2010\u2011\u2012\u2013\u2014\u00a0"
_JOINER_TABLE = np.zeros(max(map(ord, _JOINERS)) + 2, dtype=bool)
_JOINER_TABLE[[ord(c) for c in _JOINERS]] = True


def _counterpart(found: str, own: Side, other: Side) -> str:
    """The other side's matching alias, keeping the ending.

    By convention a sides file lists country, adjective and capital first; those map to
    the same position, every other alias (people, agencies) maps to the other's first. A
    mention that is a whole alias ("Afghan Taliban") is swapped whole, not by its leading
    adjective, which would make a third party's name ("Pakistani Taliban").
    """
    lowered = found.lower()
    prefixes = [i for i, a in enumerate(own.aliases) if lowered.startswith(a.lower())]
    whole = [i for i in prefixes if lowered.removesuffix("'s").removesuffix("\u2019s") == own.aliases[i].lower()]
    leading = [i for i in prefixes if i < 3]
    index = max(whole or leading or prefixes or [0], key=lambda i: len(own.aliases[i]))
    best = own.aliases[index] if lowered.startswith(own.aliases[index].lower()) else found
    replacement = other.aliases[index] if index < min(3, len(other.aliases)) else other.aliases[0]
    return replacement + found[len(best) :]


def sides_from_mapping(data: dict, origin: str = "sides") -> Sides:
    """Build Sides from a parsed TOML file or an HTTP body; errors name ``origin``."""
    if not isinstance(data, dict):
        raise SidesError(f"{origin}: expected a table with 'dispute' and two [[side]] entries")
    side_list = data.get("side")
    if not isinstance(side_list, list) or len(side_list) != 2:
        raise SidesError(f"{origin}: expected exactly two [[side]] entries, got {_count(side_list)}")
    sides = []
    for i, entry in enumerate(side_list):
        where = f"{origin}: side {i + 1}"
        if not isinstance(entry, dict):
            raise SidesError(f"{where}: expected a table with 'name' and 'aliases'")
        name, aliases = entry.get("name"), entry.get("aliases")
        if not isinstance(name, str):
            raise SidesError(f"{where}: 'name' must be a string")
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise SidesError(f"{where}: 'aliases' must be a list of non-empty strings")
        if any(len(a) > 200 for a in aliases):
            raise SidesError(f"{where}: an alias is longer than 200 characters")
        speakers = entry.get("speakers", [])
        if not isinstance(speakers, list) or not all(isinstance(a, str) and a.strip() for a in speakers):
            raise SidesError(f"{where}: 'speakers' must be a list of non-empty strings")
        if len(speakers) > MAX_ALIASES or any(len(a) > 200 for a in speakers):
            raise SidesError(f"{where}: at most {MAX_ALIASES} speakers, each of at most 200 characters")
        sides.append(
            Side(name=name, aliases=tuple(a.strip() for a in aliases), speakers=tuple(a.strip() for a in speakers))
        )
    dispute = data.get("dispute", f"{sides[0].name}-{sides[1].name}")
    third = data.get("third_parties", [])
    if not isinstance(dispute, str):
        raise SidesError(f"{origin}: 'dispute' must be a string")
    if not isinstance(third, list) or not all(isinstance(t, str) and t.strip() for t in third):
        raise SidesError(f"{origin}: 'third_parties' must be a list of non-empty strings")
    return Sides(dispute=dispute, a=sides[0], b=sides[1], third_parties=tuple(t.strip() for t in third))


def _count(value) -> str:
    return str(len(value)) if isinstance(value, list) else "none"


def load_sides(path: str | Path) -> Sides:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SidesError(f"{path}: cannot read sides file: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SidesError(f"{path}: not valid TOML: {exc}") from exc
    return sides_from_mapping(data, origin=str(path))


DEFAULT_DISPUTE = "pakistan-afghanistan"


def default_sides() -> Sides:
    return load_sides(SIDES_DIR / f"{DEFAULT_DISPUTE}.toml")


def rows_by_sides(sides_of_rows: list) -> list[list[int]]:
    """Row indices grouped by the sides object each row is read with (the same object, as callers
    share one per dispute; None rows together), groups in order of first appearance."""
    groups: dict[int, list[int]] = {}
    for row, sides in enumerate(sides_of_rows):
        groups.setdefault(id(sides), []).append(row)
    return list(groups.values())


def sides_by_dispute(directory: Path = SIDES_DIR) -> dict[str, Sides]:
    """Every sides file in ``directory``, keyed by its dispute."""
    found = {}
    for path in sorted(Path(directory).glob("*.toml")):
        sides = load_sides(path)
        found[sides.dispute] = sides
    return found
