/* Small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Confirm destructive actions (refuse, stop, withdraw) before sending.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
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

  // Assign form: list only the officers of the chosen agency.
  document.querySelectorAll("select[data-filter-by]").forEach(function (select) {
    var form = select.form;
    var source = form && form.querySelector('select[name$="' + select.dataset.filterBy + '"]');
    if (!source) { return; }
    function apply() {
      var agency = source.value;
      Array.prototype.forEach.call(select.options, function (option) {
        var own = option.dataset.agency;
        var show = !own || !agency || own === agency;
        option.hidden = !show;
        option.disabled = !show;
        if (!show && option.selected) { select.value = ""; }
      });
    }
    source.addEventListener("change", apply);
    apply();
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
