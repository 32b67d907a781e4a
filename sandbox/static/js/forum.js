// 云商论坛, the post form: choosing a board opens that board's rules beside the form.
(function () {
  "use strict";
  var select = document.querySelector('[data-role="board-select"]');
  if (!select) return;
  function show() {
    document.querySelectorAll("details.rules-of").forEach(function (box) {
      box.open = box.getAttribute("data-board") === select.value;
    });
  }
  select.addEventListener("change", show);
})();
