"""Fuzzy path ranking as editors do it: the query's characters in order, scored for where they land.

Two stages, because scoring every one of 100,000 paths in Python costs 100x the budget:
1. prefilter in C: rapidfuzz's bit-parallel LCS keeps the paths whose longest common subsequence with
   the query is the whole query, i.e. that hold its characters in order (a regular expression over the
   joined paths was 5-10x slower); when that is still thousands (short queries), paths whose basename
   holds the query come first, then the shortest paths, and only the first MAX_SCORED are scored.
2. score in Python: the query contiguous in the basename beats everything (a prefix of it more), then an
   fzf-like alignment over the whole path, which rewards matches at segment starts and runs of adjacent
   characters and charges gaps, so "jsondecoder" finds json/decoder.py before simplejson/decoder.py.
   Fewer segments and shorter paths break ties.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

MAX_SCORED = 1500
_BOUNDARY = "/_-. "


class PathTable:
    """A fixed list of relative paths prepared for repeated queries (the quick-open's file list)."""

    __slots__ = ("_bases", "_lowered", "paths")

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)
        self._lowered = [p.lower() for p in self.paths]
        self._bases = [p.rfind("/") + 1 for p in self._lowered]

    def search(self, query: str, limit: int = 20) -> list[tuple[str, float]]:
        """The best `limit` paths for `query` (whitespace ignored), best first, with their scores."""
        q = "".join(query.lower().split())
        if not q or limit < 1:
            return []
        candidates = self._prefilter(q)
        if len(candidates) > MAX_SCORED:
            candidates = self._narrow(q, candidates)
        scored = ((score(self._lowered[i], self._bases[i], q), i) for i in candidates)
        best = heapq.nlargest(limit, scored, key=lambda item: (item[0], -item[1]))
        return [(self.paths[i], s) for s, i in best]

    def _prefilter(self, q: str) -> list[int]:
        from rapidfuzz import process
        from rapidfuzz.distance import LCSseq

        hits = process.extract_iter(q, self._lowered, scorer=LCSseq.similarity, score_cutoff=len(q))
        return [index for _, _, index in hits]

    def _narrow(self, q: str, candidates: list[int]) -> list[int]:
        lowered, bases = self._lowered, self._bases
        in_base = [i for i in candidates if lowered[i].find(q, bases[i]) >= 0]
        if len(in_base) >= MAX_SCORED:
            return heapq.nsmallest(MAX_SCORED, in_base, key=lambda i: len(lowered[i]))
        chosen = set(in_base)
        rest = heapq.nsmallest(MAX_SCORED - len(in_base), (i for i in candidates if i not in chosen),
                               key=lambda i: len(lowered[i]))
        return in_base + rest


def score(path: str, base: int, q: str) -> float:
    """How well lowercased `path` (basename starting at `base`) matches `q`; -inf if it does not."""
    depth = path.count("/")
    at = path.find(q, base)
    if at >= 0:
        s = 1000.0 + 16 * len(q)
        if at == base:
            s += 200
        elif path[at - 1] in _BOUNDARY:
            s += 100
        s -= len(path) - base - len(q)  # the tighter the basename around the query, the better
        return s - 4 * depth - 0.05 * len(path)
    return _aligned(path, base, q) - 4 * depth - 0.05 * len(path)


def _aligned(path: str, base: int, q: str) -> float:
    # fzf's v1: the leftmost match's end, then backwards to the latest start: the shortest window.
    end = -1
    for char in q:
        end = path.find(char, end + 1)
        if end < 0:
            return float("-inf")
    start = end + 1
    for char in reversed(q):
        start = path.rfind(char, 0, start)
    s = 0.0
    previous = -2
    pos = start - 1
    for char in q:
        pos = path.find(char, pos + 1)
        s += 16
        if pos == 0 or path[pos - 1] in _BOUNDARY:
            s += 10 if pos == 0 or path[pos - 1] == "/" else 8
        if pos == previous + 1:
            s += 6
        elif previous >= 0:
            s -= 3 + 0.5 * (pos - previous - 2)
        if pos >= base:
            s += 4
        previous = pos
    return s
