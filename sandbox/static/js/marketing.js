// 邮件营销: "全选" ticks every recipient, and ticking a recipient switches the send form to "从名单中选择".
(function () {
  var form = document.querySelector('[data-role="send-form"]');
  if (!form) return;
  var all = form.querySelector('[data-pick-all]');
  var boxes = Array.prototype.slice.call(form.querySelectorAll('[data-pick]'));
  var picked = form.querySelector('#segment-picked');
  function choosePicked() { if (picked) picked.checked = true; }
  if (all) {
    all.addEventListener('change', function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      choosePicked();
    });
  }
  boxes.forEach(function (b) { b.addEventListener('change', choosePicked); });
})();
