/* Site search (docs/search.md): exact substring search over the index in search/ (site_builder/site/search_index.py).
   Every page gets a search box in its header that goes to the search page; the search page fetches only the files
   a query needs. No framework, no third-party host. tests/search_client.py is the same algorithm in Python. */
(function () {
  "use strict";

  var PLANE = 0x110000;
  var PAGE = 20;
  var SEP = /[^\p{L}\p{N}]+/gu;

  function siteBase() {
    var config = document.getElementById("__config");
    var base = config ? JSON.parse(config.textContent).base : ".";
    return new URL((base || ".") + "/", window.location.href);
  }

  /* --- the header box, on every page --- */

  function addHeaderBox(base) {
    var inner = document.querySelector(".md-header__inner");
    if (!inner || document.getElementById("site-search")) {
      return;
    }
    var form = document.createElement("form");
    form.className = "header-search";
    form.setAttribute("role", "search");
    form.action = new URL("search/", base).href;
    form.method = "get";
    form.innerHTML = '<label for="header-search-q" class="header-search__label">搜索</label>' +
      '<input id="header-search-q" class="header-search__input" name="q" type="search" placeholder="搜索报告" autocomplete="off">' +
      '<button type="submit">搜索</button>';
    var source = inner.querySelector(".md-header__source");
    inner.insertBefore(form, source);
  }

  /* --- text, keys and bytes: the same as search_index.py --- */

  function normalise(text) {
    return text.replace(SEP, " ").normalize("NFKC").toLowerCase().replace(SEP, " ").trim();
  }

  function queryTerms(query) {
    return normalise(query).split(" ").filter(Boolean).map(function (t) { return Array.from(t); });
  }

  function shardOf(first, second, shards) {
    var h = ((Math.imul(first, 0x9E3779B1) >>> 0) ^ second) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85EBCA6B) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    return h % shards;
  }

  function Reader(bytes, at) {
    this.bytes = bytes;
    this.at = at || 0;
  }
  Reader.prototype.next = function () {
    var value = 0, scale = 1, byte;
    do {
      byte = this.bytes[this.at++];
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    return value;
  };
  Reader.prototype.many = function (count) {
    var out = new Array(count);
    for (var i = 0; i < count; i++) out[i] = this.next();
    return out;
  };

  /* --- the index --- */

  function Index(folder) {
    this.folder = folder;
    this.shards = new Map();
    this.chunks = new Map();
  }

  /* Older WeChat (X5), UC and 360 kernels have no DecompressionStream: they read the uncompressed twins in r/. */
  var UNPACKED = typeof window.DecompressionStream !== "function";

  Index.prototype.fetchBytes = function (name) {
    var path = UNPACKED ? "r/" + name : name;
    return fetch(new URL(path, this.folder)).then(function (response) {
      if (!response.ok) throw new Error("索引文件 " + path + " 无法读取（HTTP " + response.status + "）");
      return response.arrayBuffer();
    }).then(function (buffer) {
      var bytes = new Uint8Array(buffer);
      if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;  // uncompressed, or the server already undid the gzip
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
    });
  };

  Index.prototype.sections = function (doc) {
    return this.fetchBytes("x/" + doc + ".bin").then(function (b) { return JSON.parse(new TextDecoder().decode(b)); });
  };

  Index.prototype.load = function () {
    var self = this;
    return fetch(new URL("meta.json", this.folder)).then(function (r) { return r.json(); }).then(function (meta) {
      self.meta = meta;
      return self.fetchBytes("docs.bin");
    }).then(function (bytes) {
      var reader = new Reader(bytes), n = self.meta.docs;
      self.kind = reader.many(n);
      self.facets = self.meta.facets.map(function () { return reader.many(n); });
      self.order = reader.many(n);
      self.titleLength = reader.many(n);
      return self;
    });
  };

  Index.prototype.shard = function (number) {
    if (!this.shards.has(number)) {
      this.shards.set(number, this.fetchBytes("s/" + number + ".bin").then(parseShard));
    }
    return this.shards.get(number);
  };

  Index.prototype.entry = function (first, second) {
    return this.shard(shardOf(first, second, this.meta.shards)).then(function (entries) {
      return entries.get(first * PLANE + second) || null;
    });
  };

  function parseShard(bytes) {
    var reader = new Reader(bytes), entries = new Map(), count = reader.next();
    for (var k = 0; k < count; k++) {
      var first = reader.next(), second = reader.next(), hot = reader.next(), ndocs = reader.next(), length = reader.next();
      var entry = {hot: hot, bytes: bytes};
      if (hot) {
        entry.id = reader.next();
        var blocks = reader.next();
        entry.cuts = [0].concat(reader.many(blocks - 1), [ndocs]);
      }
      var end = reader.at + length, inner = new Reader(bytes, reader.at);
      entry.docs = new Array(ndocs);
      for (var i = 0, doc = 0; i < ndocs; i++) {
        doc += inner.next();
        entry.docs[i] = doc;
      }
      var flags = inner.many(ndocs);
      entry.counts = flags.map(function (f) { return Math.floor(f / 2); });
      entry.title = flags.map(function (f) { return f % 2; });
      entry.at = inner.at;
      entries.set(first * PLANE + second, entry);
      reader.at = end;
    }
    return entries;
  }

  function splitPositions(entry, lo, hi, reader, wanted, found) {
    for (var i = lo; i < hi; i++) {
      var n = entry.counts[i], doc = entry.docs[i], positions = wanted.has(doc) ? [] : null, p = 0;
      for (var j = 0; j < n; j++) {
        p += reader.next();
        if (positions) positions.push(p);
      }
      if (positions) found.set(doc, positions);
    }
  }

  /* Positions of a key in the wanted documents; a hot key's blocks are fetched only if they hold one. */
  Index.prototype.positions = function (entry, wanted) {
    var found = new Map(), self = this;
    if (!entry.hot) {
      splitPositions(entry, 0, entry.docs.length, new Reader(entry.bytes, entry.at), wanted, found);
      return Promise.resolve(found);
    }
    var fetches = [];
    for (var b = 0; b + 1 < entry.cuts.length; b++) {
      (function (lo, hi, block) {
        if (!entry.docs.slice(lo, hi).some(function (d) { return wanted.has(d); })) return;
        fetches.push(self.fetchBytes("h/" + entry.id + "-" + block + ".bin").then(function (bytes) {
          splitPositions(entry, lo, hi, new Reader(bytes), wanted, found);
        }));
      })(entry.cuts[b], entry.cuts[b + 1], b);
    }
    return Promise.all(fetches).then(function () { return found; });
  };

  /* Bigram offsets 0 … n−2 that cover every character (gaps of at most 2), with the fewest hot keys. */
  function covering(length, hot) {
    var last = length - 2, best = [[hot[0], [0]]];
    for (var o = 1; o <= last; o++) {
      var options = [best[o - 1]];
      if (o >= 2) options.push(best[o - 2]);
      var pick = options.reduce(function (a, b) {
        return (b[0] < a[0] || (b[0] === a[0] && b[1].length < a[1].length)) ? b : a;
      });
      best[o] = [pick[0] + hot[o], pick[1].concat([o])];
    }
    return best[last][1];
  }

  /* document → [occurrences, whether the term is in the title] */
  Index.prototype.termMatches = function (term) {
    var self = this;
    if (term.length === 1) {
      return this.entry(term[0].codePointAt(0), 0).then(function (entry) {
        var found = new Map();
        if (entry) entry.docs.forEach(function (d, i) { found.set(d, [entry.counts[i], entry.title[i] === 1]); });
        return found;
      });
    }
    var lookups = [];
    for (var i = 0; i + 1 < term.length; i++) {
      lookups.push(this.entry(term[i].codePointAt(0), term[i + 1].codePointAt(0)));
    }
    return Promise.all(lookups).then(function (entries) {
      if (entries.some(function (e) { return !e; })) return new Map();
      var candidates = new Set(entries[0].docs);
      entries.slice(1).forEach(function (e) {
        var has = new Set(e.docs);
        candidates.forEach(function (d) { if (!has.has(d)) candidates.delete(d); });
      });
      if (term.length === 2) {
        var found = new Map(), e = entries[0];
        e.docs.forEach(function (d, i) { if (candidates.has(d)) found.set(d, [e.counts[i], e.title[i] === 1]); });
        return found;
      }
      var offsets = covering(term.length, entries.map(function (e) { return e.hot; }));
      return Promise.all(offsets.map(function (o) { return self.positions(entries[o], candidates); })).then(function (located) {
        var found = new Map();
        candidates.forEach(function (doc) {
          var sets = located.map(function (m) { return new Set(m.get(doc) || []); });
          var starts = Array.from(sets[0]).sort(function (a, b) { return a - b; }).filter(function (p) {
            return offsets.every(function (o, k) { return sets[k].has(p + o); });
          });
          if (starts.length) found.set(doc, [starts.length, starts[0] + term.length <= self.titleLength[doc]]);
        });
        return found;
      });
    });
  };

  /* Documents with every term, the chosen facets and scope: reports first, then the standing text, station, district
     and other pages; within each, title matches first (newest first), then by occurrences. The maintainers' pages
     (kind 文档) only when the scope asks for them. */
  Index.prototype.search = function (query, filters, scope) {
    var self = this, terms = queryTerms(query);
    if (!terms.length) return Promise.resolve([]);
    return Promise.all(terms.map(function (t) { return self.termMatches(t); })).then(function (all) {
      var found = all[0];
      all.slice(1).forEach(function (matches) {
        var merged = new Map();
        matches.forEach(function (m, d) {
          if (found.has(d)) merged.set(d, [found.get(d)[0] + m[0], found.get(d)[1] && m[1]]);
        });
        found = merged;
      });
      var docsKind = self.meta.kinds.indexOf("文档");
      var docs = Array.from(found.keys()).filter(function (d) {
        if ((scope === "文档") !== (self.kind[d] === docsKind)) return false;
        return self.meta.facets.every(function (name, i) {
          var wanted = filters[name];
          return !wanted || self.facets[i][d] === self.meta.values[name].indexOf(wanted) + 1;
        });
      });
      function rank(d) {
        var m = found.get(d);
        // Reports before anything else (a reader searching a project name wants the reports); then the query in the
        // title first; then more matches, newer evaluations.
        return [self.kind[d], m[1] ? 0 : 1, m[1] ? -self.order[d] : 0, -m[0], -self.order[d], d];
      }
      return docs.sort(function (a, b) {
        var x = rank(a), y = rank(b);
        for (var i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
        return 0;
      });
    });
  };

  Index.prototype.titles = function (docs) {
    var self = this, chunk = this.meta.chunk;
    var wanted = Array.from(new Set(docs.map(function (d) { return Math.floor(d / chunk); })));
    return Promise.all(wanted.map(function (c) {
      if (!self.chunks.has(c)) {
        self.chunks.set(c, self.fetchBytes("t/" + c + ".bin").then(function (b) {
          return JSON.parse(new TextDecoder().decode(b));
        }));
      }
      return self.chunks.get(c);
    })).then(function () {
      return Promise.all(docs.map(function (d) {
        return self.chunks.get(Math.floor(d / chunk)).then(function (rows) { return rows[d % chunk]; });
      }));
    });
  };

  /* --- the search page --- */

  function searchPage(base, form) {
    var index = new Index(new URL("search/", base));
    var box = form.querySelector("#search-q");
    var count = document.getElementById("search-count");
    var list = document.getElementById("search-results");
    var more = document.getElementById("search-more");
    var selects = Array.from(form.querySelectorAll("select[data-facet]"));
    var scope = form.querySelector("#search-scope");
    var results = [], shown = 0, run = 0;

    function filters() {
      var chosen = {};
      selects.forEach(function (s) { if (s.value) chosen[s.dataset.facet] = s.value; });
      return chosen;
    }

    function fillSelects() {
      var params = new URLSearchParams(window.location.search);
      selects.forEach(function (select) {
        index.meta.values[select.dataset.facet].forEach(function (value) {
          select.add(new Option(value, value));
        });
        select.value = params.get(select.dataset.facet) || "";
      });
      if (scope) scope.value = params.get("范围") || "";
      box.value = params.get("q") || "";
    }

    /* The next page of results, rendered once its titles have arrived; data-state says when the page is settled. */
    function showMore() {
      var page = results.slice(shown, shown + PAGE);
      form.dataset.state = "busy";
      var terms = queryTerms(box.value);
      return index.titles(page).then(function (rows) {
        rows.forEach(function (row, i) { list.appendChild(resultItem(index, page[i], row, terms, box.value.trim())); });
        shown += page.length;
        more.hidden = shown >= results.length;
        form.dataset.state = "done";
      });
    }

    function update(pushState) {
      var query = box.value, chosen = filters(), mine = ++run, within = scope ? scope.value : "";
      if (pushState) {
        var params = new URLSearchParams();
        if (query) params.set("q", query);
        Object.keys(chosen).forEach(function (k) { params.set(k, chosen[k]); });
        if (within) params.set("范围", within);
        history.replaceState(null, "", "?" + params.toString());
      }
      list.innerHTML = "";
      more.hidden = true;
      results = [];
      shown = 0;
      if (!queryTerms(query).length) {
        count.textContent = "请输入要搜索的词语。";
        form.dataset.state = "done";
        return Promise.resolve();
      }
      count.textContent = "正在搜索……";
      form.dataset.state = "busy";
      return index.search(query, chosen, within).then(function (found) {
        if (mine !== run) return;
        results = found;
        var where = within === "文档" ? "维护文档中" : "评估报告与公开页面中";
        count.textContent = found.length ? "找到 " + found.length + " 个结果。" :
          where + "没有找到包含“" + query.trim() + "”的页面。" + (Object.keys(chosen).length ? "可以取消筛选条件再试。" : "可以换一个较短的词，或用空格分开几个词。");
        return showMore();
      }).catch(function (error) {
        count.textContent = "搜索出错：" + error.message + "。请刷新页面再试；仍然出错时，可以在“全部评估”页面按区与站点查找。";
        form.dataset.state = "done";
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update(true);
    });
    selects.concat(scope ? [scope] : []).forEach(function (s) { s.addEventListener("change", function () { update(true); }); });
    more.addEventListener("click", function () { showMore(); });
    index.load().then(function () {
      fillSelects();
      form.dataset.ready = "true";
      return update(false);
    }).catch(function (error) {
      count.textContent = "无法载入搜索索引：" + error.message + "。请检查网络后刷新页面。";
    });
  }

  function resultItem(index, doc, row, terms, query) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    var page = new URL(row[0], index.folder.href.replace(/search\/$/, ""));
    page.searchParams.set("hl", query);
    link.href = page.href;
    link.textContent = row[1];
    item.appendChild(link);
    var facets = index.meta.facets.map(function (name, i) {
      var value = index.facets[i][doc];
      return value ? (name === "等级" ? "等级 " : "") + index.meta.values[name][value - 1] : "";
    }).filter(Boolean);
    var meta = document.createElement("span");
    meta.className = "search-result__facets";
    var kind = index.meta.kinds[index.kind[doc]];
    meta.textContent = [kind === "报告" ? "" : kind].concat(facets, row[2] ? [row[2]] : []).filter(Boolean).join(" · ");
    item.appendChild(meta);
    var snippet = document.createElement("p");
    snippet.className = "search-result__snippet";
    item.appendChild(snippet);
    whenShown(item, function () {
      index.sections(doc).then(function (sections) {
        var found = firstMatch(sections, terms);
        if (!found) return;
        if (found.anchor) {
          page.hash = found.anchor;
          link.href = page.href;
        }
        fillSnippet(snippet, found);
      }).catch(function () { /* the title and its link are enough without a snippet */ });
    });
    return item;
  }

  /* A result's snippet is fetched when the result scrolls into view: the first search stays small on a phone. */
  function whenShown(element, action) {
    if (!("IntersectionObserver" in window)) return action();
    var observer = new IntersectionObserver(function (seen) {
      if (seen.some(function (e) { return e.isIntersecting; })) {
        observer.disconnect();
        action();
      }
    }, {rootMargin: "200px"});
    observer.observe(element);
  }

  /* Text in the normal form the index uses, character by character, with where each character came from. */
  function folded(text) {
    var chars = Array.from(text), out = "", from = [], at = 0;
    chars.forEach(function (c) {
      var n = c.normalize("NFKC").toLowerCase().replace(SEP, " ");
      for (var k = 0; k < n.length; k++) from.push(at);
      out += n;
      at += c.length;
    });
    from.push(at);
    return {text: out, from: from};
  }

  /* The first section (heading or text) holding every term, else the first holding one; where the first term is. */
  function firstMatch(sections, terms) {
    var words = terms.map(function (t) { return t.join(""); }), best = null;
    sections.some(function (section) {
      var heading = folded(section[1]), body = folded(section[2]);
      var held = words.filter(function (w) { return heading.text.indexOf(w) >= 0 || body.text.indexOf(w) >= 0; });
      if (!held.length || (best && held.length < words.length)) return false;
      var inBody = body.text.indexOf(held[0]) >= 0, source = inBody ? body : heading, at = source.text.indexOf(held[0]);
      best = {anchor: section[0], heading: section[1], text: inBody ? section[2] : section[1],
              start: source.from[at], end: source.from[at + held[0].length]};
      return held.length === words.length;
    });
    return best;
  }

  /* 在「heading」中：… text before <mark>the match</mark> text after …, built from text nodes only. */
  function fillSnippet(snippet, found) {
    var before = found.text.slice(Math.max(0, found.start - 40), found.start).replace(/\s+/g, " ");
    var after = found.text.slice(found.end, found.end + 60).replace(/\s+/g, " ");
    if (found.heading) {
      var where = document.createElement("span");
      where.className = "search-result__section";
      where.textContent = "在“" + found.heading + "”中：";
      snippet.appendChild(where);
    }
    snippet.appendChild(document.createTextNode((found.start > 40 ? "…" : "") + before));
    var mark = document.createElement("mark");
    mark.textContent = found.text.slice(found.start, found.end);
    snippet.appendChild(mark);
    snippet.appendChild(document.createTextNode(after + (found.end + 60 < found.text.length ? "…" : "")));
  }

  /* --- on arrival from a result: the words highlighted, at the section the link named --- */

  function highlightOnArrival() {
    var query = new URLSearchParams(window.location.search).get("hl");
    var article = document.querySelector("article") || document.body;
    if (!query || !queryTerms(query).length) return;
    var start = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT), nodes = [], node, seen = !start;
    while ((node = walker.nextNode())) {
      if (!seen && start.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) seen = true;
      if (seen && !node.parentNode.closest("script, style, svg, .headerlink")) nodes.push(node);
    }
    var marks = [];
    queryTerms(query).forEach(function (term) {
      var word = term.join("");
      nodes.some(function (text) {
        var f = folded(text.data), at = f.text.indexOf(word);
        if (at < 0) return false;
        var range = document.createRange();
        range.setStart(text, f.from[at]);
        range.setEnd(text, f.from[at + word.length]);
        var mark = document.createElement("mark");
        mark.className = "search-arrival";
        range.surroundContents(mark);
        marks.push(mark);
        return true;
      });
    });
    if (marks.length) whenLaidOut(function () { reveal(marks[0]); });
  }

  /* The match in view: the link's section heading may sit a screen or more above it. Kept where the browser's own
     scroll to the #section put it when the match is already on screen, below the sticky header. */
  function reveal(mark) {
    var box = mark.getBoundingClientRect(), header = document.querySelector(".md-header");
    var top = header ? header.getBoundingClientRect().bottom : 0;
    if (box.top < top || box.bottom > window.innerHeight) mark.scrollIntoView({block: "center"});
  }

  /* After the page's load, when the browser has made its own scroll to the #section (which would undo ours). */
  function whenLaidOut(action) {
    if (document.readyState === "complete") return window.requestAnimationFrame(action);
    window.addEventListener("load", function () { window.requestAnimationFrame(action); });
  }

  function start() {
    var base = siteBase();
    addHeaderBox(base);
    highlightOnArrival();
    var form = document.getElementById("site-search");
    if (form) searchPage(base, form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
