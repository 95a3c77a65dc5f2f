// Keyboard access to tables that scroll sideways (WCAG 2.1.1): on a narrow screen a wide table's wrapper takes
// focus, so the arrow keys scroll it, and it is named after its table. Checked by tests/test_accessibility.py.
(function () {
  "use strict";

  var WRAPPERS = ".md-typeset__scrollwrap";  // the listings scroll too, but their links and buttons take focus already

  function label(wrapper) {
    var caption = wrapper.querySelector("caption");
    var heading = wrapper.previousElementSibling;
    while (heading && !/^H[1-6]$/.test(heading.tagName)) { heading = heading.previousElementSibling; }
    var name = caption ? caption.textContent : heading ? heading.textContent : "";
    return (name.replace(/¶/g, "").trim() || "表格") + "（可横向滚动）";
  }

  function mark() {
    document.querySelectorAll(WRAPPERS).forEach(function (wrapper) {
      if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
        wrapper.tabIndex = 0;
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", label(wrapper));
      } else if (wrapper.hasAttribute("tabindex")) {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("aria-label");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", function () { window.requestAnimationFrame(mark); });
})();
