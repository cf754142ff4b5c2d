/* Small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // (Irreversible actions ask for a ticked confirmation in their form, checked by the server.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // One click, one request: the server is idempotent anyway, this only spares a wait.
    if (form.hasAttribute("data-once")) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.setAttribute("aria-busy", "true");
      });
    }
  });

  // Back button (page restored from cache): the forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("[aria-busy]").forEach(function (b) { b.removeAttribute("aria-busy"); });
    });
  });

  // Dossier page: one action form at a time, opened by htmx into #action-panel.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail.target;
    if (!panel || panel.id !== "action-panel") { return; }
    var form = panel.querySelector("form[data-action]");
    document.querySelectorAll("[data-open] button").forEach(function (b) {
      var open = form && b.form.dataset.open === form.dataset.action;
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
    var heading = panel.querySelector("h3[tabindex]");
    if (heading) { heading.focus(); }
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-close-action]");
    if (!close) { return; }
    var panel = document.getElementById("action-panel");
    if (!panel) { return; }
    event.preventDefault();
    panel.innerHTML = "";
    document.querySelectorAll("[data-open] button").forEach(function (b) {
      b.setAttribute("aria-expanded", "false");
    });
  });

  // "In danh sách": the browser's print dialog (the page has print CSS).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });

  // Desk intake: the handover time matters only for postal dossiers.
  document.querySelectorAll("[data-show-when]").forEach(function (block) {
    var rule = block.dataset.showWhen.split("=");
    var form = block.closest("form");
    if (!form) { return; }
    function apply() {
      var checked = form.querySelector('input[name="' + rule[0] + '"]:checked');
      block.hidden = !(checked && checked.value === rule[1]);
    }
    form.addEventListener("change", apply);
    apply();
  });

  // Postal return: the operator's fee for the commune chosen (a fragment of the server).
  document.querySelectorAll("[data-quote-url]").forEach(function (box) {
    var form = box.closest("form");
    var select = form && form.querySelector('select[name$="' + box.dataset.quoteFrom + '"]');
    if (!select) { return; }
    function update() {
      if (!select.value) { return; }
      var url = box.dataset.quoteUrl + "?return_unit=" + encodeURIComponent(select.value);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (html) { box.innerHTML = html; } })
        .catch(function () {});
    }
    select.addEventListener("change", update);
    update();
  });
})();
