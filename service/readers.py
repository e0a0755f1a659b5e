"""Reading a folder of articles: which files are articles, how each kind becomes text, and
what is wrong with everything else.

Kinds: ``.txt`` and ``.md`` are plain text (UTF-8, a UTF-8 or UTF-16 byte-order mark is
honoured); ``.html`` / ``.htm`` go through trafilatura, a main-content extractor made for
news pages (navigation, footers and comments are left out; the headline becomes the first
paragraph); ``.jsonl`` holds one article per line, an object with ``text`` and optional
``id``, ``outlet``, ``url``, ``date``.

The folder is walked lazily (``walk``), one directory listing at a time, and yields either
a ``RawArticle`` (the file's or line's bytes, not yet decoded, with its content hash and
outlet) or a ``Problem`` (unsupported kind, unreadable, too large, a bad metadata file, a
hidden folder). Decoding is done by ``article_text`` in the scoring process, where a
decoding failure becomes a ``Problem`` too. Nothing is dropped silently.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from framing.service import outlets

KINDS = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
SUPPORTED = ", ".join(KINDS)
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
JSONL_FIELDS = ("id", "outlet", "url", "date")
_SORT_LIMIT = 10_000  # directory listings up to this size are sorted; larger ones are streamed as listed
_MAX_DEPTH = 200
_CONTROL = bytes(sorted(set(range(0, 32)) - {9, 10, 12, 13}))


@dataclass(frozen=True)
class Problem:
    """An input that was skipped, and why. ``path`` is relative to the scored folder."""

    path: str
    line: int | None
    kind: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class RawArticle:
    """One article as read from the folder, not yet decoded."""

    path: str  # relative to the scored folder, '/'-separated
    line: int | None  # the line of a .jsonl file, else None
    kind: str  # text | html | jsonl
    raw: bytes
    digest: str  # content hash of ``raw``
    outlet: str  # from metadata / subfolder / unknown; a .jsonl 'outlet' field overrides it
    url: str | None = None
    date: str | None = None
    sides: str | None = None  # from the folder's settings: a dispute name or a sides file

    @property
    def key(self) -> tuple[str, int | None]:
        return self.path, self.line


class ArticleError(ValueError):
    """An article that cannot be scored; ``kind`` is a short machine name for the reason."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


# --------------------------------------------------------------------------- decoding


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > max(8, len(head) // 100)


def decode_text(raw: bytes) -> str:
    """Plain text from bytes: UTF-8 (BOM optional) or UTF-16 with a BOM; binary, undecodable
    and blank input raise ``ArticleError``."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArticleError("undecodable", f"not valid UTF-16 text (bad bytes at offset {exc.start})") from None
    else:
        if _looks_binary(raw):
            raise ArticleError("binary", "binary content, not text")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ArticleError(
                "undecodable", f"not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at offset {exc.start})"
            ) from None
    if not text.strip():
        raise ArticleError("empty", "empty: no text")
    return text


logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def extract_html(raw: bytes) -> tuple[str, dict]:
    """The article of a news page as text, one paragraph per block (headline first), plus
    the page's url and date when it states them."""
    if _looks_binary(raw) and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ArticleError("binary", "binary content, not an HTML page")
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            raw, with_metadata=True, include_comments=False, include_tables=False, include_images=False
        )
    except Exception as exc:  # trafilatura or lxml choking on a page is a bad input, not a crash
        raise ArticleError("unreadable-html", f"cannot extract the article: {type(exc).__name__}: {exc}") from None
    body = (getattr(document, "text", None) or "") if document is not None else ""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if not lines:
        raise ArticleError("no-article", "no article text found in the page")
    title = (getattr(document, "title", None) or "").strip()
    if title and lines[0] != title:
        lines.insert(0, title)
    fields = {"url": getattr(document, "url", None) or None, "date": getattr(document, "date", None) or None}
    # Blank lines between blocks: each extracted block is a paragraph of its own.
    return "\n\n".join(lines), fields


def parse_jsonl_line(raw: bytes) -> tuple[str, dict]:
    """``text`` and the optional fields of one .jsonl line."""
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError("undecodable", f"not UTF-8 (invalid byte at offset {exc.start})") from None
    try:
        data = json.loads(decoded)
    except ValueError as exc:
        raise ArticleError("bad-json", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ArticleError("bad-json", f"expected a JSON object with 'text', got {type(data).__name__}")
    text = data.get("text")
    if text is None:
        raise ArticleError("missing-text", "no 'text' field")
    if not isinstance(text, str):
        raise ArticleError("bad-field", f"'text' must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ArticleError("empty", "empty: 'text' is blank")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ArticleError(
            "undecodable", "'text' holds an unpaired surrogate escape (\\ud8xx); not valid Unicode"
        ) from None
    fields = {}
    for name in JSONL_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ArticleError("bad-field", f"'{name}' must be a string or a number, got {type(value).__name__}")
        value = str(value).strip()
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ArticleError("bad-field", f"'{name}' holds an unpaired surrogate escape; not valid Unicode") from None
        if value:
            fields[name] = value
    return text, fields


def article_text(kind: str, raw: bytes) -> tuple[str, dict]:
    """(text, fields) for one raw article of ``kind``; raises ``ArticleError``."""
    if kind == "text":
        return decode_text(raw), {}
    if kind == "html":
        return extract_html(raw)
    if kind == "jsonl":
        return parse_jsonl_line(raw)
    raise ArticleError("unsupported", f"unsupported kind {kind!r}")


# --------------------------------------------------------------------------- walking


def _entries(directory: Path) -> Iterator[os.DirEntry]:
    """A directory's entries: sorted by name when there are up to _SORT_LIMIT of them, else in
    listing order (never holding more than _SORT_LIMIT entries)."""
    with os.scandir(directory) as listing:
        buffered = []
        for entry in listing:
            buffered.append(entry)
            if len(buffered) > _SORT_LIMIT:
                yield from buffered
                yield from listing
                return
    yield from sorted(buffered, key=lambda e: e.name)


def _rel(parts: tuple[str, ...]) -> str:
    return "/".join(parts)


def iter_jsonl(path: Path, rel: str, max_bytes: int) -> Iterator[tuple[int, bytes] | Problem]:
    """(line number, bytes) for every non-blank line, or a Problem for a line over ``max_bytes``."""
    with open(path, "rb") as handle:
        number = 0
        while True:
            line = handle.readline(max_bytes + 1)
            if not line:
                return
            number += 1
            if len(line) > max_bytes and not line.endswith(b"\n"):
                while True:
                    rest = handle.readline(1 << 20)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield Problem(rel, number, "too-large", f"line longer than {max_bytes} bytes")
                continue
            content = line.rstrip(b"\r\n")
            if content.strip():
                yield number, content


class Walker:
    """Walks a folder lazily; iterate it for RawArticle and Problem items.

    ``exclude``: files never read (the output and errors files when they sit inside the
    folder). ``count_only``: yield (relative path, size) for every supported file instead,
    reading nothing (used for the progress total).
    """

    def __init__(self, root: Path, exclude: Iterable[Path] = (), max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._exclude = set()
        for path in exclude:
            try:
                st = os.stat(path)
                self._exclude.add((st.st_dev, st.st_ino))
            except OSError:
                pass

    def _excluded(self, entry: os.DirEntry) -> bool:
        if not self._exclude:
            return False
        try:
            st = entry.stat()
        except OSError:
            return False
        return (st.st_dev, st.st_ino) in self._exclude

    def __iter__(self) -> Iterator[RawArticle | Problem]:
        yield from self._walk(self.root, (), [], 0, count_only=False)

    def sizes(self) -> Iterator[int]:
        """Bytes of every supported file, without reading them."""
        for item in self._walk(self.root, (), [], 0, count_only=True):
            if isinstance(item, int):
                yield item

    def _walk(
        self,
        directory: Path,
        rel_dir: tuple[str, ...],
        chain: list,
        depth: int,
        count_only: bool,
        sides: str | None = None,
    ):
        if depth > _MAX_DEPTH:
            if not count_only:
                yield Problem(_rel(rel_dir), None, "too-deep", f"folder nested deeper than {_MAX_DEPTH}; skipped")
            return
        if not count_only:
            found, issues = outlets.load_sources(directory, rel_dir)
            for rel, line, message in issues:
                yield Problem(rel, line, "metadata", message)
            chain = chain + found
            sides = outlets.folder_sides(directory) or sides
        subfolders = []
        try:
            entries = _entries(directory)
            for entry in entries:
                name = entry.name
                parts = rel_dir + (name,)
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_link = entry.is_symlink()
                    is_file = entry.is_file()
                except OSError:
                    is_dir = is_link = is_file = False
                if is_dir:
                    if name.startswith("."):
                        if not count_only:
                            yield Problem(_rel(parts), None, "hidden", "hidden folder; skipped")
                        continue
                    subfolders.append(name)
                    continue
                if is_link and not is_file:
                    if not count_only:
                        kind = "symlink" if os.path.isdir(entry.path) else "unreadable"
                        message = (
                            "symbolic link to a folder; not followed" if kind == "symlink" else "broken symbolic link"
                        )
                        yield Problem(_rel(parts), None, kind, message)
                    continue
                if name in outlets.METADATA_FILES or name == outlets.SIDES_FILE:
                    continue
                if self._excluded(entry):
                    continue
                kind = KINDS.get(os.path.splitext(name)[1].lower())
                if count_only:
                    if kind and is_file:
                        try:
                            yield entry.stat().st_size
                        except OSError:
                            pass
                    continue
                if not is_file:
                    yield Problem(_rel(parts), None, "not-a-file", "not a regular file; skipped")
                    continue
                if kind is None:
                    suffix = os.path.splitext(name)[1] or "no extension"
                    yield Problem(
                        _rel(parts), None, "unsupported", f"unsupported file kind ({suffix}); supported: {SUPPORTED}"
                    )
                    continue
                yield from self._read(Path(entry.path), parts, kind, chain, sides)
        except OSError as exc:
            if not count_only:
                yield Problem(
                    _rel(rel_dir) or ".", None, "unreadable", f"cannot list the folder: {exc.strerror or exc}"
                )
        for name in sorted(subfolders):
            yield from self._walk(directory / name, rel_dir + (name,), chain, depth + 1, count_only, sides)

    def _read(self, path: Path, parts: tuple[str, ...], kind: str, chain: list, sides: str | None):
        rel = _rel(parts)
        source = outlets.resolve(parts, chain, sides=sides)
        if kind == "jsonl":
            any_line = False
            try:
                for item in iter_jsonl(path, rel, self.max_bytes):
                    any_line = True
                    if isinstance(item, Problem):
                        yield item
                        continue
                    number, raw = item
                    yield RawArticle(
                        rel, number, kind, raw, content_hash(raw), source.outlet, source.url, source.date, source.sides
                    )
            except OSError as exc:
                yield Problem(rel, None, "unreadable", f"cannot read: {exc.strerror or exc}")
                return
            if not any_line:
                yield Problem(rel, None, "empty", "empty: no articles in the file")
            return
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                yield Problem(rel, None, "too-large", f"{size} bytes, over the {self.max_bytes}-byte limit")
                return
            raw = path.read_bytes()
        except OSError as exc:
            yield Problem(rel, None, "unreadable", f"cannot read: {exc.strerror or exc}")
            return
        if not raw.strip():
            yield Problem(rel, None, "empty", "empty: no text")
            return
        yield RawArticle(rel, None, kind, raw, content_hash(raw), source.outlet, source.url, source.date, source.sides)


def walk(
    root: Path, exclude: Iterable[Path] = (), max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawArticle | Problem]:
    return iter(Walker(root, exclude, max_bytes))
