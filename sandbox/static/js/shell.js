// Candidate shell: server-kept countdown, confirmations, cascading region selects.
(function () {
  "use strict";
  var timer = document.getElementById("timer");
  if (timer && timer.dataset.status === "active") {
    var left = parseInt(timer.dataset.secondsLeft, 10);
    var statusUrl = timer.dataset.statusUrl;
    var render = function () {
      var s = Math.max(0, left);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      timer.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
      timer.classList.toggle("low", s <= 300);
    };
    render();
    setInterval(function () {
      left -= 1; render();
      if (left <= 0) { window.location.reload(); }
    }, 1000);
    // The server keeps the time: resynchronise every 20 s.
    setInterval(function () {
      fetch(statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
        if (d.status !== "active") { window.location.reload(); return; }
        left = d.seconds_left;
      }).catch(function () {});
    }, 20000);
  }
  // "Back" links: go back in history when there is one, else follow the link.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("[data-action=back]");
    if (link && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });
  // A signed request the browser carries to another site (the payment platform) goes by itself.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosubmit]"), function (f) { f.submit(); });
  // Checkout: shipping and the amount to pay follow the chosen shipping method.
  document.addEventListener("change", function (e) {
    var radio = e.target;
    if (radio.name !== "shipping_method" || !radio.dataset.payable) { return; }
    var shipping = document.querySelector('[data-role="shipping"]'), payable = document.querySelector('[data-role="payable"]');
    if (shipping) { shipping.textContent = "¥" + radio.dataset.shipping; }
    if (payable) { payable.textContent = "¥" + radio.dataset.payable; }
  });
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  var province = document.getElementById("province");
  if (province) {
    var regions = JSON.parse(document.getElementById("regions").textContent);
    var city = document.getElementById("city"), district = document.getElementById("district");
    var fill = function (select, values, keep) {
      var first = select.options[0];
      select.innerHTML = ""; select.appendChild(first);
      values.forEach(function (v) { var o = document.createElement("option"); o.value = v; o.textContent = v; if (v === keep) { o.selected = true; } select.appendChild(o); });
    };
    var onProvince = function (keepCity, keepDistrict) {
      var cities = regions[province.value] || {};
      fill(city, Object.keys(cities), keepCity);
      onCity(keepDistrict);
    };
    var onCity = function (keepDistrict) {
      var cities = regions[province.value] || {};
      fill(district, (cities[city.value] || [[]])[0], keepDistrict);
    };
    province.addEventListener("change", function () { onProvince(); });
    city.addEventListener("change", function () { onCity(); });
    onProvince(city.dataset.value, district.dataset.value);
  }
})();
