// Live proctor view: the table and the head counts refresh every 5 s without reloading the page.
(function () {
  "use strict";
  var table = document.querySelector("table[data-role=live]");
  if (!table) { return; }
  var body = table.querySelector("tbody");
  var stamp = document.querySelector("[data-role=updated]");
  var refresh = function () {
    fetch(table.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        body.innerHTML = d.html;  // rendered (and escaped) by the server's template
        Object.keys(d.summary).forEach(function (k) {
          var el = document.querySelector("[data-role=summary] [data-k=" + k + "]");
          if (el) { el.textContent = d.summary[k]; }
        });
        if (stamp) { stamp.textContent = new Date().toLocaleTimeString(); stamp.classList.remove("error"); }
      })
      .catch(function () { if (stamp) { stamp.classList.add("error"); } });
  };
  setInterval(refresh, 5000);
})();
