/* The few behaviours Tabler and htmx do not give Retain. No inline handlers: every
   page's script lives here. */
(function () {
  "use strict";

  // Choosing a language submits its form, returning to the address as it is now (a live
  // search changes the address without reloading the page the form was drawn on).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-submit-language]")) return;
    var next = select.form.querySelector("input[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
    select.form.submit();
  });

  // Back and Forward restore the list from htmx's history; the search box follows the address.
  document.addEventListener("htmx:historyRestore", function () {
    var box = document.getElementById("id_q");
    if (box) box.value = new URLSearchParams(window.location.search).get("q") || "";
  });

  // The top bar's quick search: arrow keys move through the results, Enter opens one
  // (Enter in the box opens the full list), Escape closes them.
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("quick-q");
    var results = document.getElementById("quick-results");
    if (!box || !results) return;
    var links = Array.prototype.slice.call(results.querySelectorAll("a"));
    var here = links.indexOf(document.activeElement);
    if (event.target !== box && here === -1) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!links.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = here === -1 ? (step === 1 ? 0 : links.length - 1) : here + step;
      if (next < 0 || next >= links.length) { box.focus(); return; }
      links[next].focus();
    } else if (event.key === "Escape") {
      results.innerHTML = "";
      box.focus();
    }
  });
})();
