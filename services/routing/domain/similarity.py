"""Suggestions from similar resolved cases: character-bigram TF-IDF cosine over Chinese text.

Suggestions are shown to staff with their confidence and never applied silently. The index is in memory
and built from resolved-case events; norms are recomputed lazily after additions because IDF shifts with
every document. For millions of cases the search belongs in the read model (audit), not here.
"""

import math
from collections import Counter
from dataclasses import dataclass

from .errors import InvalidRequest
from .text import bigrams, normalise


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedCase:
    case_id: str
    text: str
    lead: str  # department that led the resolution
    assisting: tuple[str, ...] = ()
    matter_code: str | None = None
    resolution: str = ""  # how it was solved, shown to staff


@dataclass(frozen=True, slots=True, kw_only=True)
class SimilarCase:
    case: ResolvedCase
    similarity: float  # cosine, 0..1


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadSuggestion:
    department: str
    confidence: float  # the winner's share of the similarity mass × its best similarity
    supporting_cases: tuple[str, ...]


class SimilarCaseIndex:
    """Resolved cases searchable by text similarity. Adding a case id again replaces it (replays are safe)."""

    def __init__(self) -> None:
        self._cases: dict[str, ResolvedCase] = {}
        self._terms: dict[str, Counter[str]] = {}
        self._postings: dict[str, dict[str, int]] = {}
        self._norms: dict[str, float] = {}
        self._stale = False

    def __len__(self) -> int:
        return len(self._cases)

    def add(self, case: ResolvedCase) -> None:
        if case.case_id in self._cases:
            self._drop(case.case_id)
        terms = Counter(bigrams(normalise(case.text)))
        self._cases[case.case_id] = case
        self._terms[case.case_id] = terms
        for term, tf in terms.items():
            self._postings.setdefault(term, {})[case.case_id] = tf
        self._stale = True

    def similar(self, text: str, *, k: int = 5, min_similarity: float = 0.1) -> list[SimilarCase]:
        """Up to ``k`` resolved cases most similar to ``text``, best first, each at least ``min_similarity``."""
        if k < 1:
            raise InvalidRequest(en=f"k must be at least 1, got {k}", zh=f"k 至少为 1，收到 {k}")
        query = Counter(bigrams(normalise(text)))
        if not query or not self._cases:
            return []
        if self._stale:
            self._recompute_norms()
        scores: dict[str, float] = {}
        query_norm_sq = 0.0
        for term, qtf in query.items():
            postings = self._postings.get(term)
            idf = self._idf(len(postings) if postings else 0)
            q_weight = qtf * idf
            query_norm_sq += q_weight * q_weight
            if postings:
                for case_id, tf in postings.items():
                    scores[case_id] = scores.get(case_id, 0.0) + q_weight * tf * idf
        query_norm = math.sqrt(query_norm_sq)
        ranked = sorted(((s / (query_norm * self._norms[c]), c) for c, s in scores.items()), reverse=True)
        return [SimilarCase(case=self._cases[c], similarity=round(sim, 4))
                for sim, c in ranked[:k] if sim >= min_similarity]

    def suggest_lead(self, text: str, *, k: int = 5, min_similarity: float = 0.1) -> LeadSuggestion | None:
        """The lead department the most similar cases had, or None when nothing is similar enough."""
        neighbours = self.similar(text, k=k, min_similarity=min_similarity)
        if not neighbours:
            return None
        mass: dict[str, float] = {}
        for n in neighbours:
            mass[n.case.lead] = mass.get(n.case.lead, 0.0) + n.similarity
        winner = max(mass, key=mass.__getitem__)
        supporters = [n for n in neighbours if n.case.lead == winner]
        share = mass[winner] / sum(mass.values())
        return LeadSuggestion(department=winner, confidence=round(share * supporters[0].similarity, 4),
                              supporting_cases=tuple(n.case.case_id for n in supporters))

    def _idf(self, df: int) -> float:
        # Smoothed IDF: a term unseen in the index still weighs (it lengthens the query vector).
        return math.log((1 + len(self._cases)) / (1 + df)) + 1.0

    def _recompute_norms(self) -> None:
        idf = {term: self._idf(len(postings)) for term, postings in self._postings.items()}
        self._norms = {
            case_id: math.sqrt(sum((tf * idf[t]) ** 2 for t, tf in terms.items())) or 1.0
            for case_id, terms in self._terms.items()
        }
        self._stale = False

    def _drop(self, case_id: str) -> None:
        for term in self._terms.pop(case_id):
            postings = self._postings[term]
            del postings[case_id]
            if not postings:
                del self._postings[term]
        del self._cases[case_id]
