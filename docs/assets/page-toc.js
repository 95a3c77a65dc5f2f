// The page's table of contents on narrow screens (issue 18): below 76.25em the theme hides its 目录 sidebar, so a
// fixed 目录 button opens a dialog listing the same headings (read from the hidden sidebar: one outline, the one
// mkdocs.yml's toc_depth sets). Listings hide their outline and get no button.
(function () {
  "use strict";

  function headings() {
    var root = document.querySelector(".md-sidebar--secondary .md-nav--secondary");
    if (!root) { return []; }
    return Array.prototype.map.call(root.querySelectorAll("a.md-nav__link"), function (link) {
      var level = 0;
      for (var node = link.parentNode; node && node !== root; node = node.parentNode) {
        if (node.tagName === "NAV") { level += 1; }
      }
      return { href: link.getAttribute("href"), text: link.textContent.trim(), level: level };
    });
  }

  function outline(entries, dialog) {
    var list = document.createElement("ul");
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "page-toc__level-" + Math.min(entry.level, 3);
      var link = document.createElement("a");
      link.href = entry.href;
      link.textContent = entry.text;
      link.addEventListener("click", function () { close(dialog); });
      item.appendChild(link);
      list.appendChild(item);
    });
    return list;
  }

  function open(dialog) {
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
  }

  function close(dialog) {
    if (typeof dialog.close === "function") { dialog.close(); } else { dialog.removeAttribute("open"); }
  }

  function tocDialog(entries) {
    var dialog = document.createElement("dialog");
    dialog.className = "page-toc";
    dialog.setAttribute("aria-labelledby", "page-toc-title");
    var bar = document.createElement("div");
    bar.className = "page-toc__bar";
    var title = document.createElement("p");
    title.id = "page-toc-title";
    title.textContent = "目录";
    var shut = document.createElement("button");
    shut.type = "button";
    shut.textContent = "关闭";
    shut.addEventListener("click", function () { close(dialog); });
    bar.append(title, shut);
    dialog.append(bar, outline(entries, dialog));
    // A tap on the backdrop (outside the dialog's box) closes it, as on most phone sheets.
    dialog.addEventListener("click", function (event) { if (event.target === dialog) { close(dialog); } });
    return dialog;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var entries = headings();
    var main = document.querySelector("main");
    if (entries.length < 2 || !main) { return; }
    var dialog = tocDialog(entries);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "page-toc-button";
    button.setAttribute("aria-haspopup", "dialog");
    button.textContent = "目录";
    button.addEventListener("click", function () { open(dialog); });
    main.append(button, dialog);  // inside the main landmark, for readers that move by landmarks
  });
})();
