// 客服工作台: a quick reply chosen fills the reply box; the page refreshes its messages and the conversation
// list while the seller is not typing — every 3 s while a buyer's answer is due, else every 30 s (each
// refresh is a logged request, so it stays rare). The pages work without this script.
(function () {
  var select = document.querySelector('[data-role="quick-select"]');
  var box = document.querySelector('[data-role="reply-text"]');
  if (select && box) {
    select.addEventListener('change', function () {
      var option = select.options[select.selectedIndex];
      if (option && option.getAttribute('data-text')) {
        box.value = option.getAttribute('data-text');
        select.value = '';
        box.focus();
      }
    });
  }
  var list = document.querySelector('[data-role="conversations"]');
  if (!list || !window.fetch || !window.DOMParser) return;
  function pending() {
    var conv = document.querySelector('[data-role="conversation"]');
    return conv && conv.getAttribute('data-pending') === '1';
  }
  function swap(doc, selector) {
    var fresh = doc.querySelector(selector);
    var here = document.querySelector(selector);
    if (fresh && here) here.innerHTML = fresh.innerHTML;
    return fresh;
  }
  function later() { window.setTimeout(refresh, pending() ? 3000 : 30000); }
  function refresh() {
    if (box && (box.value || document.activeElement === box)) { later(); return; }
    fetch(window.location.pathname, { credentials: 'same-origin' })
      .then(function (resp) { return resp.ok ? resp.text() : null; })
      .then(function (html) {
        if (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          swap(doc, '[data-role="messages"]');
          swap(doc, '[data-role="conversations"]');
          var fresh = doc.querySelector('[data-role="conversation"]');
          var here = document.querySelector('[data-role="conversation"]');
          if (fresh && here) here.setAttribute('data-pending', fresh.getAttribute('data-pending'));
        }
        later();
      })
      .catch(later);
  }
  later();
})();
