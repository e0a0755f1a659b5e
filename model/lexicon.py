"""Word-level prior knowledge from lexicons that ship inside PyPI packages.

- VADER (vaderSentiment): human-rated valence of about 7,500 words and its booster
  (intensifier) list. Strongly valenced words are candidates for loaded language.
- TextBlob's English sentiment lexicon: subjectivity of about 2,900 adjectives.

Both are read from the installed packages at first use; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import xml.etree.ElementTree as ET
from collections import defaultdict
from functools import lru_cache


def _package_dir(name: str) -> str:
    """Where an installed package lives, found without importing it (importing textblob takes seconds)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {name!r} is not installed; run pip install -e .")
    return list(spec.submodule_search_locations)[0]


@lru_cache(maxsize=1)
def vader_valence() -> dict[str, float]:
    path = os.path.join(_package_dir("vaderSentiment"), "vader_lexicon.txt")
    valence = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0].isalpha():
                valence[parts[0].lower()] = float(parts[1])
    return valence


@lru_cache(maxsize=1)
def boosters() -> frozenset[str]:
    from vaderSentiment.vaderSentiment import BOOSTER_DICT

    return frozenset(word.lower() for word in BOOSTER_DICT)


@lru_cache(maxsize=1)
def textblob_subjectivity() -> dict[str, float]:
    path = os.path.join(_package_dir("textblob"), "en", "en-sentiment.xml")
    senses = defaultdict(list)
    for word in ET.parse(path).getroot().iter("word"):
        form = word.get("form", "").lower()
        if form.isalpha():
            senses[form].append(float(word.get("subjectivity", 0.0)))
    return {form: sum(values) / len(values) for form, values in senses.items()}


@lru_cache(maxsize=1)
def _strengths() -> dict[str, tuple[float, float, bool]]:
    valence, subjectivity, boost = vader_valence(), textblob_subjectivity(), boosters()
    return {
        w: (abs(valence.get(w, 0.0)) / 4.0, subjectivity.get(w, 0.0), w in boost)
        for w in set(valence) | set(subjectivity) | set(boost)
    }


_UNKNOWN = (0.0, 0.0, False)


def word_info(word: str) -> tuple[float, float, bool]:
    """(|valence| / 4, subjectivity, is a booster) of a lower-case word; zeros when no lexicon knows it."""
    return _strengths().get(word, _UNKNOWN)


def lexicon_words() -> frozenset[str]:
    """Every word some lexicon knows (so that unseen words still get lexicon features)."""
    return frozenset(_strengths())


def fingerprints() -> dict[str, str]:
    """SHA-256 of each word list scoring reads, so a model refuses lexicons it was not trained with."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT

    def of_file(*parts: str) -> str:
        with open(os.path.join(*parts), "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    boosters = "\n".join(f"{word}\t{BOOSTER_DICT[word]}" for word in sorted(BOOSTER_DICT))
    return {
        "vader_lexicon": of_file(_package_dir("vaderSentiment"), "vader_lexicon.txt"),
        "vader_boosters": hashlib.sha256(boosters.encode("utf-8")).hexdigest(),
        "textblob_sentiment": of_file(_package_dir("textblob"), "en", "en-sentiment.xml"),
    }
