// A document form's line items: add a row (a copy of the last, emptied) and remove rows. Without
// JavaScript the form still shows one blank row after the filled ones.
(function () {
  "use strict";
  var body = document.querySelector("[data-lines]");
  var add = document.querySelector("[data-add-line]");
  if (!body || !add) { return; }

  function renumber() {
    var rows = body.querySelectorAll("[data-line]");
    Array.prototype.forEach.call(rows, function (row, i) {
      row.querySelector("[data-seq]").textContent = String(i + 1);
      var remove = row.querySelector("[data-remove-line]");
      if (remove) { remove.hidden = rows.length < 2; }
    });
  }

  function wire(row) {
    var remove = row.querySelector("[data-remove-line]");
    if (remove) {
      remove.addEventListener("click", function () { row.remove(); renumber(); });
    }
  }

  add.hidden = false;
  Array.prototype.forEach.call(body.querySelectorAll("[data-line]"), wire);
  add.addEventListener("click", function () {
    var rows = body.querySelectorAll("[data-line]");
    if (rows.length >= 20) { return; }
    var copy = rows[rows.length - 1].cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("input, select"), function (el) { el.value = ""; });
    Array.prototype.forEach.call(copy.querySelectorAll(".field-error"), function (el) { el.remove(); });
    Array.prototype.forEach.call(copy.querySelectorAll(".has-error"), function (el) { el.classList.remove("has-error"); });
    body.appendChild(copy);
    wire(copy);
    renumber();
    var first = copy.querySelector("input");
    if (first) { first.focus(); }
  });
  renumber();
})();
