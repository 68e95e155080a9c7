// Small helpers for forms: focus the error summary, ask before irreversible actions, count characters.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("[data-toggle-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-toggle-target"));
      if (!target) { return; }
      var hidden = target.hasAttribute("hidden");
      if (hidden) { target.removeAttribute("hidden"); } else { target.setAttribute("hidden", ""); }
      button.setAttribute("aria-expanded", hidden ? "true" : "false");
      if (hidden) { var first = target.querySelector("textarea, input, select"); if (first) { first.focus(); } }
    });
  });
})();
