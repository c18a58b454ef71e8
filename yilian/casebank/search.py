"""Full-text search of the difficult cases in Chinese.

Two texts are indexed per case. ``search_text`` holds the words jieba cuts (its search
mode also emits the shorter words inside longer ones): "similar cases" match any of a
case's characteristic words there. ``search_chars`` holds every Chinese character as a
token (and every Latin/number run whole): a search cuts the query into words with jieba
and requires each word as a phrase of characters there — so a word is found wherever it
occurs, however jieba cut the text around it ("磨玻璃" inside "上叶磨玻璃结节").

The database's own full-text index does the matching — an FTS5 table on SQLite, GIN
indexes on ``to_tsvector('simple', …)`` on PostgreSQL (migration 0002).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import jieba
import jieba.analyse
from django.db import connection

jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"\w+")
_PLACEHOLDER = re.compile(r"\[[^\]]{1,6}\]")
FTS_TABLE = "casebank_case_fts"


def index_words(*parts: str) -> str:
    """The words of ``parts`` for the index, lower case, space-separated."""
    words = (w.strip().lower() for part in parts for w in jieba.cut_for_search(part))
    return " ".join(w for w in words if _WORD.fullmatch(w))


def _characters(text: str) -> list[str]:
    """Chinese characters one by one, other letter/number runs whole."""
    tokens: list[str] = []
    for run in _WORD.findall(text.lower()):
        tokens.extend(t for t in re.split(r"([\u3400-\u9fff])", run) if t)
    return tokens


def index_characters(*parts: str) -> str:
    return " ".join(t for part in parts for t in _characters(part))


def query_words(query: str) -> list[str]:
    """The distinct words of a search query, in order (jieba's precise mode)."""
    seen: dict[str, None] = {}
    for word in jieba.cut(query):
        word = word.strip().lower()
        if _WORD.fullmatch(word):
            seen.setdefault(word)
    return list(seen)


def keywords(text: str, count: int = 8) -> list[str]:
    """The words that characterise ``text`` most (TF-IDF), for "similar cases"."""
    text = _PLACEHOLDER.sub(" ", text)  # "[患者]" and the like say nothing about a case
    return [w.lower() for w in jieba.analyse.extract_tags(text, topK=count) if _WORD.fullmatch(w)]


def matching_ids(words: Iterable[str], *, any_word: bool = False, limit: int = 500) -> list[int]:
    """Ids of the cases holding every word (as characters in a row), best match first; or,
    with ``any_word``, holding any of the words as a word, most matches first."""
    phrases = [_characters(w) for w in words if _WORD.fullmatch(w)]
    phrases = [p for p in phrases if p]
    if not phrases:
        return []
    if connection.vendor == "postgresql":
        return _postgresql(phrases, any_word, limit)
    return _sqlite(phrases, any_word, limit)


def _sqlite(phrases: list[list[str]], any_word: bool, limit: int) -> list[int]:
    def quoted(tokens: list[str]) -> str:
        return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'

    if any_word:
        match = "search_text : (" + " OR ".join(quoted(["".join(p)]) for p in phrases) + ")"
    else:
        match = " AND ".join(f"search_chars : {quoted(p)}" for p in phrases)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "  # noqa: S608
            f"ORDER BY bm25({FTS_TABLE}), rowid DESC LIMIT %s",
            [match, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _postgresql(phrases: list[list[str]], any_word: bool, limit: int) -> list[int]:
    if any_word:
        column, query = "search_text", " | ".join("".join(p) for p in phrases)
    else:
        column, query = "search_chars", " & ".join("(" + " <-> ".join(p) + ")" for p in phrases)
    vector = f"to_tsvector('simple', {column})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM casebank_difficultcase WHERE {vector} @@ to_tsquery('simple', %s) "  # noqa: S608
            f"ORDER BY ts_rank({vector}, to_tsquery('simple', %s)) DESC, id DESC LIMIT %s",
            [query, query, limit],
        )
        return [row[0] for row in cursor.fetchall()]
