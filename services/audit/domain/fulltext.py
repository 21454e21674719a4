"""Chinese-aware tokens for full-text search on SQLite FTS5 and PostgreSQL alike.

Neither engine segments Chinese out of the box, and a dictionary segmenter misses new terms (住改商).
So the application tokenises and the engine only splits on spaces (FTS5 `unicode61`, PostgreSQL's
`simple` configuration):

- a CJK run becomes its character bigrams, in order (租赁备案 → 租赁 赁备 备案), so a query of two or more
  characters is an exact phrase of bigrams (FTS5 `"租赁 赁备 备案"`, PostgreSQL `租赁 <-> 赁备 <-> 备案`);
- every CJK character is also indexed alone, after all bigrams, so one-character queries match and the
  unigrams do not break the bigram phrases;
- Latin letters and digits become lowercase words (after NFKC, so full-width ＡＢＣ１２ reads as abc12).
"""

from __future__ import annotations

import re
import unicodedata

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN_RUN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")


class EmptyQueryError(ValueError):
    """The query has no searchable characters (only punctuation or spaces)."""


def _runs(text: str) -> list[tuple[bool, str]]:
    """(is_cjk, run) in document order."""
    normalised = unicodedata.normalize("NFKC", text).casefold()
    return [(match.lastgroup == "cjk", match.group()) for match in _TOKEN_RUN.finditer(normalised)]


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> str:
    """The space-separated token string to store in the full-text column for `text`."""
    ordered: list[str] = []
    unigrams: list[str] = []
    for is_cjk, run in _runs(text):
        if is_cjk:
            ordered += _bigrams(run) if len(run) > 1 else []
            unigrams += list(run)
        else:
            ordered.append(run)
    return " ".join(ordered + unigrams)


def _query_terms(query: str) -> list[list[str]]:
    """Each term is a phrase: the bigrams of a CJK run, one unigram, or one word. Terms are ANDed."""
    terms = [_bigrams(run) if is_cjk else [run] for is_cjk, run in _runs(query)]
    if not terms:
        raise EmptyQueryError(f"nothing searchable in {query!r}")
    return terms


def fts5_match(query: str) -> str:
    """The SQLite FTS5 MATCH expression; tokens hold no quotes, so quoting them is safe."""
    return " AND ".join('"' + " ".join(term) + '"' for term in _query_terms(query))


def tsquery(query: str) -> str:
    """The PostgreSQL `to_tsquery('simple', …)` expression; index with `to_tsvector('simple', tokens)`."""
    return " & ".join("(" + " <-> ".join(term) + ")" for term in _query_terms(query))
