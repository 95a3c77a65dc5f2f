// Sorting for the evaluations tables; filters, the 每站最新一次 view and paging for the listings that ask for them
// (data-controls, written by site_builder/site/pages/listings.py). Filters live in the address (?区=番禺区&等级=良好),
// so a filtered listing can be shared and the back button returns to it. No third-party code; without JavaScript the
// whole table still reads.
(function () {
  "use strict";

  var PAGE_SIZE = 20;           // rows per page: on a phone, 20 cards stay within a few screens
  var SEARCH_KEY = "筛选";      // the address's keys: a filter's column name, these three for the rest
  var VIEW_KEY = "显示";
  var PAGE_KEY = "页";
  var ALL_VIEW = "全部评估";    // the view that shows every evaluation; the default shows each station's latest

  function cellText(row, index) {
    return (row.cells[index] && row.cells[index].textContent.trim()) || "";
  }

  function bodyRows(table) {
    return Array.prototype.slice.call(table.tBodies[0].rows);
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) { made.className = className; }
    if (text) { made.textContent = text; }
    return made;
  }

  function sortBy(table, index, numeric, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = bodyRows(table);
    rows.sort(function (a, b) {
      var x = cellText(a, index), y = cellText(b, index);
      var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "zh-CN");
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    if (table.listing) { table.listing.page = 1; refresh(table.listing, "replace"); }
  }

  // --- which rows match -----------------------------------------------------------------------------------------

  function searchWords(listing) {
    return listing.search.value.trim().split(/\s+/).filter(Boolean);
  }

  function matches(listing, row, allView) {
    if (!allView && !row.hasAttribute("data-latest")) { return false; }
    var text = row.textContent;
    return listing.filters.every(function (f) { return !f.select.value || cellText(row, f.column) === f.select.value; }) &&
      searchWords(listing).every(function (w) { return text.indexOf(w) !== -1; });
  }

  function matching(listing, allView) {
    return bodyRows(listing.table).filter(function (row) { return matches(listing, row, allView); });
  }

  // --- a filter whose choices follow another's (街道 after 区) -------------------------------------------------

  function choices(listing, filter) {
    var parent = filter.follows;
    var values = bodyRows(listing.table)
      .filter(function (row) { return !parent || !parent.select.value || cellText(row, parent.column) === parent.select.value; })
      .map(function (row) { return cellText(row, filter.column); });
    return Array.from(new Set(values)).sort();
  }

  function fillChoices(listing, filter) {
    var kept = filter.select.value;
    var values = choices(listing, filter);
    filter.select.textContent = "";
    filter.select.appendChild(new Option("全部", ""));
    values.forEach(function (v) { filter.select.appendChild(new Option(v, v)); });
    filter.select.value = values.indexOf(kept) !== -1 ? kept : "";
  }

  // --- the address ------------------------------------------------------------------------------------------------

  function readAddress(listing) {
    var params = new URLSearchParams(window.location.search);
    listing.filters.forEach(function (f) {
      if (f.follows) { fillChoices(listing, f); }
      var wanted = params.get(f.name) || "";
      f.select.value = Array.prototype.some.call(f.select.options, function (o) { return o.value === wanted; }) ? wanted : "";
    });
    listing.search.value = params.get(SEARCH_KEY) || "";
    listing.allView.checked = params.get(VIEW_KEY) === ALL_VIEW;
    listing.latestView.checked = !listing.allView.checked;
    listing.page = Math.max(1, parseInt(params.get(PAGE_KEY), 10) || 1);
  }

  function writeAddress(listing, how) {
    var params = new URLSearchParams(window.location.search);
    function put(key, value) { if (value) { params.set(key, value); } else { params.delete(key); } }
    listing.filters.forEach(function (f) { put(f.name, f.select.value); });
    put(SEARCH_KEY, listing.search.value.trim());
    put(VIEW_KEY, listing.allView.checked ? ALL_VIEW : "");
    put(PAGE_KEY, listing.page > 1 ? String(listing.page) : "");
    var query = params.toString();
    var address = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (address === window.location.pathname + window.location.search + window.location.hash) { return; }
    // A new page is a step the back button can return to; a changed filter replaces the address in place.
    window.history[how === "push" ? "pushState" : "replaceState"](null, "", address);
  }

  // --- showing one page of the matching rows ----------------------------------------------------------------------

  function refresh(listing, how) {
    var allView = listing.allView.checked;
    var rows = matching(listing, allView);
    var pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    listing.page = Math.min(listing.page, pages);
    var start = (listing.page - 1) * PAGE_SIZE;
    var shown = rows.slice(start, start + PAGE_SIZE);
    bodyRows(listing.table).forEach(function (row) { row.hidden = true; });
    shown.forEach(function (row) { row.hidden = false; });
    listing.table.setAttribute("data-shown", String(shown.length));
    listing.table.hidden = rows.length === 0;
    var count = rows.length === 0 ? "没有符合条件的评估" : "共 " + rows.length + " 份，" +
      (shown.length === rows.length ? "全部显示" : "显示第 " + (start + 1) + "–" + (start + shown.length) + " 份");
    listing.count.textContent = count;
    listing.status.textContent = count;
    showPager(listing, pages);
    showEmpty(listing, rows.length, allView);
    if (how) { writeAddress(listing, how); }
  }

  function showPager(listing, pages) {
    listing.pager.hidden = pages === 1;
    listing.pageLabel.textContent = "第 " + listing.page + " 页，共 " + pages + " 页";
    listing.previous.disabled = listing.page === 1;
    listing.next.disabled = listing.page === pages;
  }

  function showEmpty(listing, found, allView) {
    listing.empty.hidden = found > 0;
    if (found > 0) { return; }
    var elsewhere = allView ? 0 : matching(listing, true).length;
    listing.widen.hidden = elsewhere === 0;
    listing.widen.textContent = "改看全部评估（其中有 " + elsewhere + " 份符合）";
    listing.hint.hidden = searchWords(listing).length === 0;
  }

  function turnPage(listing, step) {
    listing.page += step;
    refresh(listing, "push");
    listing.bar.scrollIntoView({ block: "start" });
  }

  function clearFilters(listing) {
    listing.filters.forEach(function (f) { f.select.value = ""; });
    listing.search.value = "";
    listing.filters.forEach(function (f) { if (f.follows) { fillChoices(listing, f); } });
    listing.page = 1;
    refresh(listing, "replace");
  }

  // --- the controls -----------------------------------------------------------------------------------------------

  function filterFor(listing, th, index) {
    var label = element("label");
    var select = document.createElement("select");
    label.append(th.textContent + " ", select);
    listing.bar.appendChild(label);
    var filter = { name: th.textContent, column: index, select: select, followsName: th.getAttribute("data-follows") };
    listing.filters.push(filter);
  }

  function viewChoice(listing, text, checked) {
    var label = element("label");
    var radio = document.createElement("input");
    radio.type = "radio";
    radio.name = listing.table.id + "-view";
    radio.checked = checked;
    label.append(radio, " " + text);
    return { label: label, radio: radio };
  }

  function viewControls(listing) {
    var latestCount = listing.table.querySelectorAll("tbody tr[data-latest]").length;
    var fieldset = element("fieldset", "listing-view");
    fieldset.appendChild(element("legend", "", "显示"));
    var latest = viewChoice(listing, "每站最新一次（" + latestCount + " 份）", true);
    var all = viewChoice(listing, "全部评估（" + bodyRows(listing.table).length + " 份）", false);
    fieldset.append(latest.label, all.label);
    listing.latestView = latest.radio;
    listing.allView = all.radio;
    return fieldset;
  }

  function pagerControls(listing) {
    var pager = element("nav", "listing-pager");
    pager.setAttribute("aria-label", "分页");
    listing.previous = element("button", "", "上一页");
    listing.next = element("button", "", "下一页");
    listing.previous.type = listing.next.type = "button";
    listing.pageLabel = element("span");
    pager.append(listing.previous, listing.pageLabel, listing.next);
    listing.previous.addEventListener("click", function () { turnPage(listing, -1); });
    listing.next.addEventListener("click", function () { turnPage(listing, 1); });
    return pager;
  }

  function emptyState(listing) {
    var empty = element("div", "listing-empty");
    empty.appendChild(element("p", "", "没有符合条件的评估。可以试试："));
    listing.widen = element("button");
    listing.widen.type = "button";
    listing.widen.addEventListener("click", function () { listing.allView.checked = true; refresh(listing, "replace"); });
    var clear = element("button", "", "清除全部筛选");
    clear.type = "button";
    clear.addEventListener("click", function () { clearFilters(listing); });
    listing.hint = element("p", "", "筛选词按原文逐字比对：换一个更短的词，或去掉空格分开的某个词。");
    empty.append(listing.widen, clear, listing.hint);
    return empty;
  }

  function searchControl(listing) {
    var label = element("label");
    listing.search = document.createElement("input");
    listing.search.type = "search";
    listing.search.placeholder = "站点名称等";
    label.append("筛选 ", listing.search);
    return label;
  }

  function listingControls(table) {
    var wrapper = table.closest(".evaluations");  // the table's scroller: the controls go above it, never inside
    var listing = { table: table, filters: [], page: 1, bar: element("div", "table-filters") };
    table.listing = listing;
    listing.bar.appendChild(viewControls(listing));
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (th.hasAttribute("data-filter")) { filterFor(listing, th, index); }
    });
    listing.filters.forEach(function (f) {
      f.follows = listing.filters.filter(function (p) { return p.name === f.followsName; })[0] || null;
      fillChoices(listing, f);
    });
    listing.bar.appendChild(searchControl(listing));
    listing.status = element("p", "visually-hidden");
    listing.status.setAttribute("role", "status");
    listing.bar.appendChild(listing.status);
    listing.count = element("span", "listing-count");
    table.caption.textContent = "评估一览（";
    table.caption.append(listing.count, "，点击表头排序）");
    listing.empty = emptyState(listing);
    listing.pager = pagerControls(listing);
    wrapper.parentNode.insertBefore(listing.bar, wrapper);
    wrapper.parentNode.insertBefore(listing.empty, wrapper.nextSibling);
    wrapper.parentNode.insertBefore(listing.pager, listing.empty);
    listing.bar.addEventListener("input", function (event) {
      listing.filters.forEach(function (f) { if (f.follows && event.target === f.follows.select) { fillChoices(listing, f); } });
      listing.page = 1;
      refresh(listing, "replace");
    });
    window.addEventListener("popstate", function () { readAddress(listing); refresh(listing); });
    readAddress(listing);
    refresh(listing);
  }

  function enhance(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      button.addEventListener("click", function () { sortBy(table, index, th.hasAttribute("data-numeric"), th); });
      th.textContent = "";
      th.appendChild(button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-controls]").forEach(listingControls);  // reads the headers' names first
    document.querySelectorAll("table[data-sortable]").forEach(enhance);
  });
})();
