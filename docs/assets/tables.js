// Sorting and filtering for the evaluations tables. No third-party code; without JavaScript the table still reads.
(function () {
  "use strict";

  function cellText(row, index) {
    return (row.cells[index] && row.cells[index].textContent.trim()) || "";
  }

  function sortBy(table, index, numeric, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellText(a, index), y = cellText(b, index);
      var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "zh-CN");
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function applyFilters(table, selects, search) {
    var words = search.value.trim().split(/\s+/).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var text = row.textContent;
      var visible = selects.every(function (s) { return !s.value || cellText(row, s.column) === s.value; }) &&
        words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    table.setAttribute("data-shown", String(shown));
  }

  function filterControls(table) {
    var bar = document.createElement("div");
    bar.className = "table-filters";
    var selects = [];
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (!th.hasAttribute("data-filter")) { return; }
      var values = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return cellText(r, index); });
      var label = document.createElement("label");
      var select = document.createElement("select");
      select.column = index;
      select.appendChild(new Option("全部", ""));
      Array.from(new Set(values)).sort().forEach(function (v) { select.appendChild(new Option(v, v)); });
      label.append(th.textContent + " ", select);
      bar.appendChild(label);
      selects.push(select);
    });
    var searchLabel = document.createElement("label");
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "站点名称等";
    searchLabel.append("筛选 ", search);
    bar.appendChild(searchLabel);
    bar.addEventListener("input", function () { applyFilters(table, selects, search); });
    table.parentNode.insertBefore(bar, table);
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
    if (table.id === "all-reports" || table.id === "district-reports") { filterControls(table); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-sortable]").forEach(enhance);
  });
})();
