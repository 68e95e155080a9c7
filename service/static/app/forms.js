// Small helpers for forms: focus the error summary, ask before irreversible actions, send a form once. Pages work
// without them.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // A second tap while a slow connection is still sending a form would send it again, and the answer shown would
  // be the second one's (本单位已有标题…, 该服务已确认…) though the first worked: a form is sent once per page.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      if (form.hasAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "");
    });
  });
})();
