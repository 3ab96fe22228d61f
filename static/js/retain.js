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
})();
