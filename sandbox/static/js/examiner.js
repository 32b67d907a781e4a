// Examiner pages: a regrade batch's progress bar follows its jobs; the page reloads when they finish.
(function () {
  "use strict";
  var box = document.querySelector('[data-role="progress"]');
  if (!box) return;
  var total = Number(box.dataset.total), finished = Number(box.dataset.finished);
  if (finished >= total) return;
  var bar = box.querySelector("progress"), text = box.querySelector('[data-role="progress-text"]');
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        var done = p.done + p.failed;
        bar.value = done;
        text.textContent = done + " / " + p.total;
        if (done >= p.total) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
