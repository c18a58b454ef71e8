// Hospital-linkage forms: rows added, removed and reordered in a Django formset, and the
// department checkboxes of the chosen host hospital. Without JavaScript the forms still work
// with the rows the server rendered.
(function () {
  "use strict";

  function total(box) { return box.querySelector('input[name$="-TOTAL_FORMS"]'); }

  function visibleRows(box) {
    return Array.prototype.filter.call(
      box.querySelectorAll("[data-formset-rows] > [data-formset-row]"),
      function (row) { return !row.hidden; }
    );
  }

  // Keep ORDER inputs (when the formset is ordered) and the visitor count in step with the
  // rows the user sees.
  function renumber(box) {
    var rows = visibleRows(box);
    rows.forEach(function (row, i) {
      var order = row.querySelector('input[name$="-ORDER"]');
      if (order) { order.value = String(i + 1); }
    });
    var form = box.closest("form");
    var count = form && form.querySelector('input[name="visitor_count"]');
    if (count && box.dataset.formset === "visitors") { count.value = String(rows.length); }
  }

  function addRow(box) {
    var counter = total(box);
    var template = box.querySelector("template[data-formset-template]");
    if (!counter || !template) { return; }
    var index = parseInt(counter.value, 10) || 0;
    var max = box.querySelector('input[name$="-MAX_NUM_FORMS"]');
    if (max && visibleRows(box).length >= parseInt(max.value, 10)) { return; }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    box.querySelector("[data-formset-rows]").appendChild(row);
    counter.value = String(index + 1);
    renumber(box);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  }

  function removeRow(box, row) {
    if (visibleRows(box).length <= 1) { return; }
    var del = row.querySelector('input[name$="-DELETE"]');
    if (del) { del.checked = true; }
    row.hidden = true;
    renumber(box);
  }

  function moveRow(box, row, up) {
    var rows = visibleRows(box);
    var i = rows.indexOf(row);
    var other = rows[up ? i - 1 : i + 1];
    if (!other) { return; }
    if (up) { other.before(row); } else { other.after(row); }
    renumber(box);
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("button");
    if (!button) { return; }
    var box = button.closest("[data-formset]");
    if (!box) { return; }
    var row = button.closest("[data-formset-row]");
    if (button.hasAttribute("data-formset-add")) { addRow(box); }
    else if (row && button.hasAttribute("data-formset-remove")) { removeRow(box, row); }
    else if (row && button.hasAttribute("data-formset-up")) { moveRow(box, row, true); }
    else if (row && button.hasAttribute("data-formset-down")) { moveRow(box, row, false); }
  });

  // Show only the departments of the chosen host hospital.
  function showHostDepartments(form) {
    var host = form.querySelector('select[name="host"]');
    if (!host) { return; }
    form.querySelectorAll('[data-host-departments] input[data-hospital]').forEach(function (input) {
      var item = input.closest(".form-check") || input.parentElement;
      var match = input.dataset.hospital === host.value;
      if (item) { item.hidden = !match; }
      if (!match) { input.checked = false; }
    });
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.name === "host" && el.closest("[data-visit-form]")) {
      showHostDepartments(el.closest("[data-visit-form]"));
    }
  });

  function init() {
    document.querySelectorAll("[data-visit-form]").forEach(showHostDepartments);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
