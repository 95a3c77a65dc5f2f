"""The site's search index: exact substring search over Chinese text, sharded so that a query fetches only what it needs.

Semantics (docs/search.md): text and query are normalised alike (NFKC, lower case); runs of letters, digits and CJK
characters are terms, anything else separates them; a query's terms must all occur (AND), each as an exact substring.
A character-bigram positional index gives that exactly: a term of n ≥ 2 characters occurs where bigrams at offsets
0, 2, 4, …, n−2 sit at consecutive positions; a one-character term uses a per-document unigram list.

Files under search/ (every .bin is gzip, written with mtime 0 so the bytes are reproducible):
  meta.json            shard count, facet value tables, document count, chunk sizes
  docs.bin             per document: kind, facets (區, 服务年度, 阶段, 等级), order rank, title length — columns of varints
  t/<chunk>.bin        JSON [[url, title, line], …] for CHUNK documents, fetched only for results shown
  x/<doc>.bin          JSON [[anchor, heading, text], …]: a document's sections, fetched for the snippets of results shown
  r/…                  the same files uncompressed, for browsers without DecompressionStream (older WeChat X5, UC, 360)
  s/<shard>.bin        every key hashed to the shard: its document list, counts, title flags, and (cold keys) positions
  h/<key>-<block>.bin  positions of a hot key (one whose positions exceed HOT_POSITIONS), in blocks of documents
"""

from __future__ import annotations

import gzip
import hashlib
import html as html_lib
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..language.ruleset import NOT_GRADED
from .pages.explain import report_title
from .pages.report import STANDING_END, STANDING_START

FORMAT = 2
CHUNK = 64  # documents per title chunk
BATCH = 256  # documents encoded together while adding
HOT_POSITIONS = 3000  # a key with more positions than this keeps them out of its shard, in blocks
BLOCK_POSITIONS = 6000  # positions per block of a hot key (about 6 KB compressed)
SHARD_ENTRIES = 2500  # target cold positions per shard, which sets the shard count
GROUPS = 64  # shards are written in 64 groups (shard mod 64), each from one slice of every batch
PLANE = 0x110000  # key = first code point × PLANE + second (0 for a unigram)
FACETS = ("区", "服务年度", "阶段", "等级")
# In rank order: reports first, then the standing text they carry, station and district pages, other public pages;
# 文档 (the maintainers' pages under 参与贡献) is searched only from its own scope (docs/search.md).
KINDS = ("报告", "固定说明", "站点", "区", "页面", "文档")
_SEPARATORS = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Section:
    """What a reader sees under one heading: the heading's id (the link goes there), its words, and the text."""

    anchor: str
    heading: str
    text: str


@dataclass(frozen=True)
class Standing:
    """A report's standing text (the rule set's 评估依据 … 评估结果说明), indexed once for all reports that carry it."""

    title: str  # e.g. 评估办法固定说明：广州市社工站评估办法 2024（中期）
    sections: tuple[Section, ...]
    facets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchDoc:
    url: str  # site-relative URL of the page, e.g. "reports/panyu/shiqiao-dongxi/2024-2025-中期/"
    title: str
    text: str  # plain text the search matches against (the sections' words, when the page has sections)
    kind: str  # one of KINDS
    facets: dict[str, str] = field(default_factory=dict)  # reports only: 区, 服务年度, 阶段, 等级
    order: str = ""  # tie-break, newer first (e.g. the period)
    sections: tuple[Section, ...] = ()  # for snippets and links to the section; one untitled section when empty
    line: str = ""  # what tells the result apart under its title (station, period, stage)
    standing: Standing | None = None

    def shown_sections(self) -> tuple[Section, ...]:
        return self.sections or (Section("", "", self.text),)


def sections_text(sections) -> str:
    return "\n".join(f"{s.heading}\n{s.text}" for s in sections)


def normalise(text: str) -> str:
    """NFKC and lower case, every run of non-term characters one space: the form both index and query use."""
    # Separators go first: the text left is mostly CJK, which NFKC checks quickly (three times faster in all).
    text = unicodedata.normalize("NFKC", _SEPARATORS.sub(" ", text)).lower()
    return _SEPARATORS.sub(" ", text).strip()


def query_terms(query: str) -> list[str]:
    return [term for term in normalise(query).split(" ") if term]


# --- what a page contributes ---------------------------------------------------------------------------


def strings_in(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings_in(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings_in(value)]
    return []


def report_text(record) -> str:
    """A report's own words: names, places, communities, the narrative under `report`, indicator names.

    Not the regime's standing text, which every report repeats (it is searchable once, on the rules page).
    """
    station = record.station
    parts = [
        record.evaluation.get("title", ""),
        station["name"],
        station.get("short_name", ""),
        station["district"]["name"],
        station.get("street", ""),
    ]
    for sub_district in station.get("sub_districts", []):
        parts += [sub_district.get("name", sub_district["id"]), *sub_district.get("communities", [])]
    parts += strings_in(record.content.get("report", {}))
    parts += [indicator["name"] for indicator in record.content.get("indicators", [])]
    return "\n".join(part for part in parts if part)


def report_search_doc(record, result, url: str, html: str | None = None) -> SearchDoc:
    """A report as its page shows it (html), or, without the page, its own words from the record (report_text).

    The page's standing text goes to the index once per rule set (Standing), not once per report."""
    facets = {"区": record.station["district"]["name"], "服务年度": record.period, "阶段": record.stage, "等级": result.grade or NOT_GRADED}
    order = f"{record.period}-{result.ruleset.stages.index(record.stage)}"  # the rule set's stage order: 末期 after 中期
    if html is None:
        return SearchDoc(url, report_title(record), report_text(record), "报告", facets, order)
    own, standing = html_sections(html)
    carried = None
    if standing:
        title = f"评估办法固定说明：{result.ruleset.title} {result.ruleset.version}（{record.stage}）"
        carried = Standing(title, tuple(neutral(section, record) for section in standing), {"阶段": record.stage})
    return SearchDoc(url, report_title(record), sections_text(own), "报告", facets, order, own, standing=carried)


def neutral(section: Section, record) -> Section:
    """The standing text as every report carries it: the station's names in it (from the placeholders) named by role."""
    text = section.text
    for name, role in ((record.station["name"], "〔站点全称〕"), (record.station.get("short_name", ""), "〔站点简称〕")):
        if name:
            text = text.replace(name, role)
    return Section(section.anchor, section.heading, text)


_ARTICLE = re.compile(r"<article\b[^>]*>(.*?)</article>", re.S | re.I)
# Tokens of the page's HTML: what is never seen (scripts, styles, a heading's ¶ link), comments, tags and text.
_TOKENS = re.compile(
    r"<(script|style)\b.*?</\1\s*>|<a\b[^>]*\bclass=\"headerlink\"[^>]*>.*?</a>|<!--(.*?)-->|<(/?)([a-zA-Z][\w-]*)([^>]*)>|([^<]+)",
    re.S | re.I,
)
_HEADING = re.compile(r"h[1-6]$", re.I)
_ID = re.compile(r"\bid=\"([^\"]*)\"")
# Tags that end a run of text: words on either side of them are not one word (a table's cells, a list's items).
_BLOCKS = frozenset(
    "address article aside blockquote br caption dd details div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li "
    "main nav ol p pre section summary table tbody td tfoot th thead tr ul text desc title".split()
)


class _SectionWriter:
    """Collects the sections of a page as its tokens arrive: a heading with an id starts one."""

    def __init__(self) -> None:
        self.own: list[Section] = []
        self.standing: list[Section] = []
        self.anchor, self.heading = "", ""
        self.parts: list[str] = []
        self.in_heading: list[str] | None = None
        self.in_standing = False

    def close(self) -> None:
        text = re.sub(r"\s*\n\s*", "\n", "".join(self.parts)).strip()
        if text or self.heading:
            (self.standing if self.in_standing else self.own).append(Section(self.anchor, self.heading, text))
        self.heading, self.parts = "", []

    def text(self, words: str) -> None:
        (self.in_heading if self.in_heading is not None else self.parts).append(words)

    def tag(self, closing: bool, name: str, attributes: str) -> None:
        if _HEADING.match(name):
            found = _ID.search(attributes)
            if not closing and found:
                self.close()
                self.anchor, self.in_heading = html_lib.unescape(found.group(1)), []
                return
            if closing and self.in_heading is not None:
                self.heading, self.in_heading = " ".join("".join(self.in_heading).split()), None
                return
        if name.lower() in _BLOCKS:
            self.text("\n")

    def comment(self, body: str) -> None:
        comment = f"<!--{body}-->"
        if comment in (STANDING_START, STANDING_END):
            self.close()  # the section goes on under the same heading, on the other side of the line
            self.in_standing = comment == STANDING_START


def html_sections(html: str) -> tuple[tuple[Section, ...], tuple[Section, ...]]:
    """The sections of a page's <article> (the whole HTML if it has none) as a reader sees them, and apart from them
    those between the standing-text comments. Inline tags join words, block tags separate them."""
    found = _ARTICLE.search(html)
    writer = _SectionWriter()
    for match in _TOKENS.finditer(found.group(1) if found else html):
        if match.group(6) is not None:
            writer.text(html_lib.unescape(match.group(6)))
        elif match.group(4):
            writer.tag(match.group(3) == "/", match.group(4), match.group(5))
        elif match.group(2) is not None:
            writer.comment(match.group(2))
    writer.close()
    return tuple(writer.own), tuple(writer.standing)


def page_heading(html: str) -> str:
    """The page's first heading as a reader sees it (a station page's title is its <h1>)."""
    own = html_sections(html)[0]
    return next((s.heading for s in own if s.heading), "")


def page_search_doc(url: str, title: str, html: str, kind: str = "页面", line: str = "") -> SearchDoc:
    """A page MkDocs renders (or a station page): its sections as a reader sees them."""
    sections = html_sections(html)[0]
    return SearchDoc(url, title, sections_text(sections), kind, {}, "", sections, line)


# --- building ------------------------------------------------------------------------------------------


@dataclass
class _Batch:
    """Postings of up to BATCH consecutive documents, sorted by (key, document, position)."""

    base: int  # builder-relative id of the batch's first document
    keys: np.ndarray  # uint64, unique bigram keys
    runs: np.ndarray  # uint32, entries per key
    docs: np.ndarray  # uint16, batch-relative document of each entry
    positions: np.ndarray  # uint16 or uint32
    uni_keys: np.ndarray  # uint64, unigram key of each (key, document) pair
    uni_docs: np.ndarray  # uint16
    uni_counts: np.ndarray  # uint32
    uni_first: np.ndarray  # uint32, first position


@dataclass
class _DocMeta:
    url: str
    title: str
    kind: str
    facets: tuple
    order: str
    title_length: int
    line: str = ""
    sections: bytes = b""  # gzip of the x/ file, packed where the document was added (in a worker, for reports)


@dataclass
class _Carried:
    """A standing text and the reports that carry it: the first one (its link) and how many."""

    standing: Standing
    first_url: str
    reports: int


def packed_sections(sections: tuple[Section, ...]) -> bytes:
    rows = [[s.anchor, s.heading, s.text] for s in sections]
    return gz(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


class SearchIndexBuilder:
    """Add documents (in worker processes if need be), merge builders in order, write search/ once."""

    def __init__(self) -> None:
        self.docs: list[_DocMeta] = []
        self.batches: list[_Batch] = []
        self.pending: list[str] = []  # normalised streams not yet encoded
        self.carried: dict[str, _Carried] = {}  # standing texts by their words, in the order reports brought them

    def add(self, doc: SearchDoc) -> None:
        title = normalise(doc.title)
        facets = tuple(doc.facets.get(f, "") for f in FACETS)
        sections = packed_sections(doc.shown_sections())
        self.docs.append(_DocMeta(doc.url, doc.title, doc.kind, facets, doc.order, len(title), doc.line, sections))
        self.pending.append(title + " " + normalise(doc.text))
        if doc.standing is not None:
            self.carry(doc.standing, doc.url, 1)
        if len(self.pending) >= BATCH:
            self._flush()

    def carry(self, standing: Standing, url: str, reports: int) -> None:
        rows = [standing.title, sorted(standing.facets.items()), [[s.anchor, s.heading, s.text] for s in standing.sections]]
        key = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()
        if key in self.carried:
            self.carried[key].reports += reports
        else:
            self.carried[key] = _Carried(standing, url, reports)

    def merge(self, other: SearchIndexBuilder) -> None:
        self._flush()
        other._flush()
        offset = len(self.docs)
        self.docs.extend(other.docs)
        for batch in other.batches:
            self.batches.append(_Batch(**{**batch.__dict__, "base": batch.base + offset}))
        for carried in other.carried.values():
            self.carry(carried.standing, carried.first_url, carried.reports)

    def __getstate__(self):
        self._flush()
        return self.__dict__

    def _flush(self) -> None:
        if self.pending:
            base = len(self.docs) - len(self.pending)
            self.batches.append(_encode_batch(base, self.pending))
            self.pending = []

    def write(self, site_dir: Path) -> dict:
        self.add_standing_texts()
        self._flush()
        return _Writer(Path(site_dir) / "search", self.docs, self.batches).write()

    def add_standing_texts(self) -> None:
        """Each standing text once, after the pages: a match there links to the first report carrying it."""
        carried, self.carried = list(self.carried.values()), {}
        for c in carried:
            line = f"每份采用此规则的{c.standing.facets.get('阶段', '')}评估报告都载有这段说明（共 {c.reports} 份）；链接到其中一份。"
            text = sections_text(c.standing.sections)
            self.add(SearchDoc(c.first_url, c.standing.title, text, "固定说明", c.standing.facets, "", c.standing.sections, line))


def _encode_batch(base: int, streams: list[str]) -> _Batch:
    joined = " ".join(streams) + " "
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    starts = np.zeros(len(streams), dtype=np.int64)
    starts[1:] = np.cumsum([len(s) + 1 for s in streams[:-1]])
    term = codes != 32
    index = np.arange(len(codes), dtype=np.int64)
    doc_of = np.searchsorted(starts, index, side="right") - 1
    position = index - starts[doc_of]
    pair = term[:-1] & term[1:]
    keys = codes[:-1][pair].astype(np.uint64) * PLANE + codes[1:][pair]
    order = np.argsort(keys, kind="stable")
    order = order[np.argsort(shard_of(keys[order], GROUPS).astype(np.uint8), kind="stable")]  # by (group, key)
    keys, docs, positions = keys[order], doc_of[:-1][pair][order], position[:-1][pair][order]
    edges = np.flatnonzero(keys[1:] != keys[:-1]) + 1 if len(keys) else np.zeros(0, np.int64)
    unique = keys[np.concatenate(([0], edges))] if len(keys) else keys
    runs = np.diff(np.concatenate(([0], edges, [len(keys)]))) if len(keys) else np.zeros(0, np.int64)
    pos_type = np.uint16 if len(positions) == 0 or positions.max() < 65536 else np.uint32
    uni = codes[term].astype(np.uint64) * PLANE
    uni_doc, uni_pos = doc_of[term], position[term]
    composite = uni * np.uint64(BATCH) + uni_doc.astype(np.uint64)
    pairs, first, counts = np.unique(composite, return_index=True, return_counts=True)
    by_group = np.argsort(shard_of(pairs // BATCH, GROUPS).astype(np.uint8), kind="stable")
    pairs, first, counts = pairs[by_group], first[by_group], counts[by_group]
    return _Batch(
        base,
        unique,
        runs.astype(np.uint32),
        docs.astype(np.uint16),
        positions.astype(pos_type),
        (pairs // BATCH) * 1,
        (pairs % BATCH).astype(np.uint16),
        counts.astype(np.uint32),
        uni_pos[first].astype(np.uint32),
    )


def shard_of(keys: np.ndarray, shards: int) -> np.ndarray:
    """The same 32-bit mix as search.js: (first × 0x9E3779B1 ⊕ second), then a murmur finaliser, mod shards."""
    first = (keys // PLANE).astype(np.uint64)
    second = (keys % PLANE).astype(np.uint64)
    h = ((first * 0x9E3779B1) & 0xFFFFFFFF) ^ second
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    return (h % shards).astype(np.int64)


def varints(values) -> bytes:
    """LEB128: seven bits a byte, low first; the high bit says another byte follows."""
    v = np.asarray(values, dtype=np.uint64).ravel()
    if len(v) == 0:
        return b""
    lengths = np.ones(len(v), dtype=np.int64)
    for bits in (7, 14, 21, 28, 35, 42):
        lengths += v >= (1 << bits)
    starts = np.cumsum(lengths) - lengths
    step = np.arange(lengths.sum()) - np.repeat(starts, lengths)
    chunks = (np.repeat(v, lengths) >> (7 * step).astype(np.uint64)) & np.uint64(0x7F)
    more = step < np.repeat(lengths - 1, lengths)
    return (chunks | (more.astype(np.uint64) << np.uint64(7))).astype(np.uint8).tobytes()


def small_varints(values: list[int]) -> bytes:
    """The same LEB128 for a handful of values (an entry's header), without numpy's per-call cost."""
    out = bytearray()
    for value in values:
        while value >= 0x80:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)


def varint_table(values) -> tuple[bytes, list[int]]:
    """All values as varints in one string, and where each value's bytes end (to slice runs of values out)."""
    v = np.asarray(values, dtype=np.uint64).ravel()
    lengths = np.ones(len(v), dtype=np.int64)
    for bits in (7, 14, 21, 28, 35, 42):
        lengths += v >= (1 << bits)
    return varints(v), [0] + np.cumsum(lengths).tolist()


def slice_of(payload: bytes, ends: list[int], first: int, stop: int) -> bytes:
    return payload[ends[first] : ends[stop]]


def gz(payload: bytes) -> bytes:
    return gzip.compress(payload, compresslevel=6, mtime=0)


class _Writer:
    """Turns the batches into files; the bytes depend only on the documents and their order, not on batching."""

    def __init__(self, folder: Path, docs: list[_DocMeta], batches: list[_Batch]):
        self.folder, self.docs, self.batches = folder, docs, batches
        self.title_lengths = np.array([d.title_length for d in docs], dtype=np.int64)
        self.files = self.bytes = 0

    def put(self, name: str, payload: bytes) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload)
        self.files += 1
        self.bytes += len(payload)

    def put_packed(self, name: str, packed: bytes) -> None:
        """A gzip file, and its uncompressed twin under r/ for browsers that cannot decompress (search.js falls back)."""
        self.put(name, packed)
        self.put(f"r/{name}", gzip.decompress(packed))

    def write(self) -> dict:
        # The search page (search/index.html) shares the folder: remove only the index's own files.
        for folder in ("s", "h", "t", "x", "r"):
            shutil.rmtree(self.folder / folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        keys, cold_entries = self.key_table()
        shards = 1 << max(0, int(np.ceil(np.log2(max(1, cold_entries / SHARD_ENTRIES)))))
        shards = min(shards, 8192)
        self.write_postings(keys, shards)
        facet_values = self.write_docs()
        self.write_titles()
        for number, doc in enumerate(self.docs):
            self.put_packed(f"x/{number}.bin", doc.sections)
        meta = {
            "format": FORMAT,
            "docs": len(self.docs),
            "shards": shards,
            "chunk": CHUNK,
            "facets": list(FACETS),
            "values": facet_values,
            "kinds": list(KINDS),
        }
        self.put("meta.json", json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        return {
            "docs": len(self.docs),
            "keys": len(keys) + self.unigram_keys,
            "files": self.files,
            "bytes": self.bytes,
            "shards": shards,
            "hot_keys": self.hot_keys,
        }

    def key_table(self) -> tuple[np.ndarray, int]:
        """Every bigram key with its total entries, and how many positions stay in shards."""
        all_keys = np.concatenate([b.keys for b in self.batches] or [np.zeros(0, np.uint64)])
        all_runs = np.concatenate([b.runs for b in self.batches] or [np.zeros(0, np.uint32)]).astype(np.int64)
        keys, inverse = np.unique(all_keys, return_inverse=True)
        totals = np.bincount(inverse, weights=all_runs, minlength=len(keys)).astype(np.int64)
        self.totals = totals
        return keys, int(totals[totals <= HOT_POSITIONS].sum())

    @staticmethod
    def group_slice(keys: np.ndarray, group: int | None) -> tuple[int, int]:
        """Batches keep their keys ordered by group (key hash mod GROUPS), so a group is one slice of each."""
        if group is None:
            return 0, len(keys)
        lo, hi = np.searchsorted(shard_of(keys, GROUPS), [group, group + 1])
        return int(lo), int(hi)

    def gather(self, group: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(key, document, position) of the group's bigram entries, sorted by key, document, position."""
        parts_k, parts_d, parts_p = [], [], []
        for b in self.batches:
            lo, hi = self.group_slice(b.keys, group)
            ends = np.cumsum(b.runs)
            start, stop = (int(ends[lo - 1]) if lo else 0), (int(ends[hi - 1]) if hi else 0)
            parts_k.append(np.repeat(b.keys[lo:hi], b.runs[lo:hi]))
            parts_d.append(b.docs[start:stop].astype(np.int64) + b.base)
            parts_p.append(b.positions[start:stop].astype(np.int64))
        k, d, p = (np.concatenate(x) if x else np.zeros(0, np.int64) for x in (parts_k, parts_d, parts_p))
        order = np.argsort(k, kind="stable")
        return k[order], d[order], p[order]

    def gather_unigrams(self, group: int | None) -> tuple[np.ndarray, ...]:
        parts: list[list[np.ndarray]] = [[], [], [], []]
        for b in self.batches:
            lo, hi = self.group_slice(b.uni_keys, group)
            parts[0].append(b.uni_keys[lo:hi])
            parts[1].append(b.uni_docs[lo:hi].astype(np.int64) + b.base)
            parts[2].append(b.uni_counts[lo:hi].astype(np.int64))
            parts[3].append(b.uni_first[lo:hi].astype(np.int64))
        k, d, c, f = (np.concatenate(x) if x else np.zeros(0, np.int64) for x in parts)
        order = np.argsort(k, kind="stable")
        return k[order], d[order], c[order], f[order]

    def write_postings(self, keys: np.ndarray, shards: int) -> None:
        """Shards in GROUPS groups (all at once for a small site), so that memory stays small however large the site."""
        hot_keys = keys[self.totals > HOT_POSITIONS]
        self.hot_id = {int(k): i for i, k in enumerate(hot_keys)}
        self.hot_keys = len(hot_keys)
        self.unigram_keys = 0
        groups = GROUPS if shards >= GROUPS else 1
        for group in range(groups):
            entries = self.bigram_entries(*self.gather(group if groups > 1 else None))
            unigrams = self.unigram_entries(*self.gather_unigrams(group if groups > 1 else None))
            self.unigram_keys += len(unigrams)
            listed = sorted(entries + unigrams)
            homes = shard_of(np.array([key for key, _ in listed], np.uint64), shards).tolist()
            by_shard: dict[int, list[bytes]] = {}
            for home, (_, entry) in zip(homes, listed):
                by_shard.setdefault(home, []).append(entry)
            for shard in range(group, shards, groups):  # every shard is written, empty or not: no 404s
                shard_entries = by_shard.get(shard, [])
                self.put_packed(f"s/{shard}.bin", gz(small_varints([len(shard_entries)]) + b"".join(shard_entries)))

    def bigram_entries(self, k: np.ndarray, d: np.ndarray, p: np.ndarray) -> list[tuple[int, bytes]]:
        """Every key's shard entry, encoded for all keys of a group at once (a loop over keys only slices bytes)."""
        if len(k) == 0:
            return []
        new_key = np.ones(len(k), bool)
        new_key[1:] = k[1:] != k[:-1]
        new_pair = new_key.copy()
        new_pair[1:] |= d[1:] != d[:-1]
        pair_at = np.flatnonzero(new_pair)
        pair_docs, pair_keys = d[pair_at], k[pair_at]
        counts = np.diff(np.append(pair_at, len(k)))
        in_title = (p[pair_at] + 2 <= self.title_lengths[pair_docs]).astype(np.int64)
        first_pair_of_key = new_key[pair_at]
        doc_deltas = pair_docs.copy()
        doc_deltas[1:] -= pair_docs[:-1]
        doc_deltas[first_pair_of_key] = pair_docs[first_pair_of_key]
        pos_deltas = p.copy()
        pos_deltas[1:] -= p[:-1]
        pos_deltas[new_pair] = p[new_pair]
        doc_bytes, doc_ends = varint_table(doc_deltas)
        flag_bytes, flag_ends = varint_table(counts * 2 + in_title)
        pos_bytes, pos_ends = varint_table(pos_deltas)
        key_pairs = np.flatnonzero(first_pair_of_key).tolist() + [len(pair_at)]
        key_entries = np.flatnonzero(new_key).tolist() + [len(k)]
        result = []
        for i, key in enumerate(pair_keys[first_pair_of_key].tolist()):
            a, b = key_pairs[i], key_pairs[i + 1]
            listing = slice_of(doc_bytes, doc_ends, a, b) + slice_of(flag_bytes, flag_ends, a, b)
            if key not in self.hot_id:
                body = listing + slice_of(pos_bytes, pos_ends, key_entries[i], key_entries[i + 1])
                result.append((key, small_varints([key // PLANE, key % PLANE, 0, b - a, len(body)]) + body))
                continue
            cuts = block_cuts(counts[a:b])
            for block, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:])):
                start = pair_at[a + lo]
                stop = pair_at[a + hi] if a + hi < len(pair_at) else len(k)
                self.put_packed(f"h/{self.hot_id[key]}-{block}.bin", gz(slice_of(pos_bytes, pos_ends, start, stop)))
            head = [key // PLANE, key % PLANE, 1, b - a, len(listing), self.hot_id[key], len(cuts) - 1, *cuts[1:-1]]
            result.append((key, small_varints(head) + listing))
        return result

    def unigram_entries(self, k, d, c, f) -> list[tuple[int, bytes]]:
        if len(k) == 0:
            return []
        new_key = np.ones(len(k), bool)
        new_key[1:] = k[1:] != k[:-1]
        deltas = d.copy()
        deltas[1:] -= d[:-1]
        deltas[new_key] = d[new_key]
        in_title = (f + 1 <= self.title_lengths[d]).astype(np.int64)
        doc_bytes, doc_ends = varint_table(deltas)
        flag_bytes, flag_ends = varint_table(c * 2 + in_title)
        starts = np.flatnonzero(new_key).tolist() + [len(k)]
        result = []
        for i, key in enumerate(k[new_key].tolist()):
            a, b = starts[i], starts[i + 1]
            listing = slice_of(doc_bytes, doc_ends, a, b) + slice_of(flag_bytes, flag_ends, a, b)
            result.append((key, small_varints([key // PLANE, 0, 0, b - a, len(listing)]) + listing))
        return result

    def write_docs(self) -> dict[str, list[str]]:
        values = {name: sorted({d.facets[i] for d in self.docs if d.facets[i]}) for i, name in enumerate(FACETS)}
        index = {name: {v: i + 1 for i, v in enumerate(vals)} for name, vals in values.items()}
        orders = {o: i for i, o in enumerate(sorted({d.order for d in self.docs}))}
        columns = [[KINDS.index(d.kind) for d in self.docs]]
        columns += [[index[name].get(d.facets[i], 0) for d in self.docs] for i, name in enumerate(FACETS)]
        columns += [[orders[d.order] for d in self.docs], [d.title_length for d in self.docs]]
        self.put_packed("docs.bin", gz(b"".join(varints(c) for c in columns)))
        return values

    def write_titles(self) -> None:
        for chunk in range(0, len(self.docs), CHUNK):
            rows = [[d.url, d.title, d.line] for d in self.docs[chunk : chunk + CHUNK]]
            self.put_packed(f"t/{chunk // CHUNK}.bin", gz(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()))


def runs_of(sorted_keys: np.ndarray):
    """(key, start, end) for each run of equal keys."""
    if len(sorted_keys) == 0:
        return []
    edges = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(sorted_keys)]))
    return zip(sorted_keys[starts].tolist(), starts.tolist(), ends.tolist())


def block_cuts(counts: np.ndarray) -> list[int]:
    """Indices into a hot key's document list where its blocks start, each about BLOCK_POSITIONS positions."""
    cumulative = np.cumsum(counts)
    cuts, next_at = [0], BLOCK_POSITIONS
    while cumulative[-1] > next_at:
        cut = int(np.searchsorted(cumulative, next_at, side="left")) + 1
        if cut >= len(counts):
            break
        cuts.append(cut)
        next_at = cumulative[cut - 1] + BLOCK_POSITIONS
    return cuts + [len(counts)]
