"""search.js's algorithm in Python, over the files in site/search: for index tests and for counting fetched bytes.

It reads the files exactly as the browser does (shards by key hash, hot-key blocks only for candidate documents,
title chunks only for the results shown), and records which files it fetched.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from site_builder.site.search_index import PLANE, query_terms, shard_of

PAGE = 20


def read_varints(payload: bytes, at: int, count: int) -> tuple[list[int], int]:
    values = []
    for _ in range(count):
        value, shift = 0, 0
        while True:
            byte = payload[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        values.append(value)
    return values, at


class LocalIndex:
    def __init__(self, site: Path):
        self.folder = Path(site) / "search"
        self.fetched: dict[str, int] = {}
        self.meta = json.loads(self.fetch("meta.json", packed=False))
        payload, n = self.fetch("docs.bin"), self.meta["docs"]
        columns, at = [], 0
        for _ in range(7):
            column, at = read_varints(payload, at, n)
            columns.append(column)
        self.kind, *self.facets, self.order, self.title_length = columns[0], *columns[1:5], columns[5], columns[6]
        self.shards: dict[int, dict] = {}

    def fetch(self, name: str, packed: bool = True) -> bytes:
        raw = (self.folder / name).read_bytes()
        self.fetched[name] = len(raw) if packed else len(gzip.compress(raw))
        return gzip.decompress(raw) if packed else raw

    def entry(self, key: int) -> dict | None:
        shard = int(shard_of(np.array([key], np.uint64), self.meta["shards"])[0])
        if shard not in self.shards:
            path = self.folder / "s" / f"{shard}.bin"
            self.shards[shard] = self.parse_shard(self.fetch(f"s/{shard}.bin")) if path.exists() else {}
        return self.shards[shard].get(key)

    def parse_shard(self, payload: bytes) -> dict:
        (count,), at = read_varints(payload, 0, 1)
        entries = {}
        for _ in range(count):
            (first, second, hot, ndocs, length), at = read_varints(payload, at, 5)
            entry = {"hot": hot}
            if hot:
                (entry["id"], blocks), at = read_varints(payload, at, 2)
                cuts, at = read_varints(payload, at, blocks - 1)
                entry["cuts"] = [0, *cuts, ndocs]
            deltas, inner = read_varints(payload, at, ndocs)
            flags, inner = read_varints(payload, inner, ndocs)
            docs = list(np.cumsum(deltas)) if deltas else []
            entry.update(docs=[int(d) for d in docs], counts=[f >> 1 for f in flags], title=[f & 1 for f in flags])
            entry["body"], entry["at"] = payload, inner
            entries[first * PLANE + second] = entry
            at += length
        return entries

    def positions(self, entry: dict, wanted: set[int]) -> dict[int, list[int]]:
        """Positions of the key in the wanted documents (fetching only the hot blocks that hold them)."""
        found: dict[int, list[int]] = {}
        if not entry["hot"]:
            deltas, _ = read_varints(entry["body"], entry["at"], sum(entry["counts"]))
            self.split(entry, 0, len(entry["docs"]), deltas, wanted, found)
            return found
        cuts = entry["cuts"]
        for block in range(len(cuts) - 1):
            lo, hi = cuts[block], cuts[block + 1]
            if wanted.isdisjoint(entry["docs"][lo:hi]):
                continue
            payload = self.fetch(f"h/{entry['id']}-{block}.bin")
            deltas, _ = read_varints(payload, 0, sum(entry["counts"][lo:hi]))
            self.split(entry, lo, hi, deltas, wanted, found)
        return found

    @staticmethod
    def split(entry, lo, hi, deltas, wanted, found) -> None:
        at = 0
        for i in range(lo, hi):
            n = entry["counts"][i]
            if entry["docs"][i] in wanted:
                found[entry["docs"][i]] = list(np.cumsum(deltas[at : at + n]))
            at += n

    def term_matches(self, term: str) -> dict[int, tuple[int, bool]]:
        """document → (occurrences, whether the term occurs in the title)."""
        if len(term) == 1:
            entry = self.entry(ord(term) * PLANE)
            return {} if entry is None else {d: (c, bool(t)) for d, c, t in zip(entry["docs"], entry["counts"], entry["title"])}
        entries = [self.entry(ord(term[i]) * PLANE + ord(term[i + 1])) for i in range(len(term) - 1)]
        if any(e is None for e in entries):
            return {}
        candidates = set(entries[0]["docs"]).intersection(*(e["docs"] for e in entries[1:]))
        if len(term) == 2:
            e = entries[0]
            return {d: (c, bool(t)) for d, c, t in zip(e["docs"], e["counts"], e["title"]) if d in candidates}
        offsets = covering(len(term), [e["hot"] for e in entries])
        located = {o: self.positions(entries[o], candidates) for o in offsets}
        matches = {}
        for doc in sorted(candidates):
            sets = {o: set(located[o].get(doc, ())) for o in offsets}
            starts = [p for p in sorted(sets[0]) if all(p + o in sets[o] for o in offsets)]
            if starts:
                matches[doc] = (len(starts), starts[0] + len(term) <= self.title_length[doc])
        return matches

    def search(self, query: str, filters: dict[str, str] | None = None, scope: str = "") -> list[int]:
        """Documents matching every term, the filters and the scope (文档: only the maintainers' pages; otherwise
        everything else), best first: by kind (reports first), then title matches, occurrences, newer first."""
        terms = query_terms(query)
        if not terms:
            return []
        found = None
        for term in terms:
            matches = self.term_matches(term)
            found = matches if found is None else {d: (found[d][0] + m[0], found[d][1] and m[1]) for d, m in matches.items() if d in found}
        docs_kind = self.meta["kinds"].index("文档")
        found = {d: m for d, m in found.items() if (self.kind[d] == docs_kind) == (scope == "文档")}
        for name, value in (filters or {}).items():
            column = self.facets[self.meta["facets"].index(name)]
            wanted = self.meta["values"][name].index(value) + 1
            found = {d: m for d, m in found.items() if column[d] == wanted}
        return sorted(found, key=lambda d: (self.kind[d], not found[d][1], -self.order[d] if found[d][1] else 0, -found[d][0], -self.order[d], d))

    def sections(self, doc: int) -> list[list[str]]:
        """[anchor, heading, text] of each of the document's sections, as the page fetches them for a snippet."""
        return json.loads(self.fetch(f"x/{doc}.bin"))

    def titles(self, docs: list[int]) -> list[tuple[str, str, str]]:
        chunk = self.meta["chunk"]
        rows = {}
        for c in sorted({d // chunk for d in docs}):
            rows[c] = json.loads(self.fetch(f"t/{c}.bin"))
        return [tuple(rows[d // chunk][d % chunk]) for d in docs]


def covering(length: int, hot: list[bool]) -> list[int]:
    """Bigram offsets 0 … length−2 whose bigrams cover every character (gaps of at most 2), fewest hot ones."""
    last = length - 2
    best = {0: (int(hot[0]), [0])}
    for o in range(1, last + 1):
        options = [best[p] for p in (o - 1, o - 2) if p in best]
        cost, path = min(options, key=lambda x: (x[0], len(x[1])))
        best[o] = (cost + int(hot[o]), path + [o])
    return best[last][1]


SNIPPETS = 8  # results in view on a 1280 × 800 screen, whose snippets the page fetches at once (the rest on scrolling)


def cold_search_bytes(site: Path, query: str) -> int:
    """Compressed bytes a browser with an empty cache fetches for one search, the titles of its first page of results
    and the snippets of the results in view."""
    index = LocalIndex(site)
    results = index.search(query)
    index.titles(results[:PAGE])
    for doc in results[:SNIPPETS]:
        index.sections(doc)
    return sum(index.fetched.values())
