// The exam form: add and remove draw rows and scenario rows, and show the scenario weights' total.
// Without JavaScript the form works with its fixed blank rows (the buttons stay hidden).
(function () {
  "use strict";

  function clearRow(row) {
    Array.prototype.forEach.call(row.querySelectorAll("input, select"), function (field) {
      if (field.tagName === "SELECT") { field.selectedIndex = 0; } else { field.value = ""; }
    });
  }

  function updateTotal() {
    var box = document.querySelector('[data-role="weight-total"]');
    if (!box) { return; }
    var total = 0;
    Array.prototype.forEach.call(document.querySelectorAll('[data-rows="scenarios"] [data-row]'), function (row) {
      var select = row.querySelector("select");
      var weight = parseFloat(row.querySelector("[data-weight]").value);
      if (select && select.value && !isNaN(weight)) { total += weight; }
    });
    box.hidden = false;
    box.querySelector("strong").textContent = String(Math.round(total * 100) / 100);
  }

  function wireRow(row) {
    var remove = row.querySelector("[data-remove-row]");
    if (!remove) { return; }
    remove.hidden = false;
    remove.addEventListener("click", function () {
      var body = row.parentNode;
      if (body.querySelectorAll("[data-row]").length > 1) { body.removeChild(row); } else { clearRow(row); }
      updateTotal();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-rows] [data-row]"), wireRow);
  Array.prototype.forEach.call(document.querySelectorAll("[data-add-row]"), function (button) {
    var body = document.querySelector('[data-rows="' + button.getAttribute("data-add-row") + '"] tbody');
    if (!body) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = body.querySelectorAll("[data-row]");
      var copy = rows[rows.length - 1].cloneNode(true);
      clearRow(copy);
      body.appendChild(copy);
      wireRow(copy);
    });
  });
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest('[data-rows="scenarios"]')) { updateTotal(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest('[data-rows="scenarios"]')) { updateTotal(); }
  });
  updateTotal();
})();
