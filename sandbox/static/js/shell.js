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
  // Product page: one row of chips per attribute (颜色 / 规格); the chosen combination picks the
  // variant's radio button (the list stays as the no-script fallback) and price and stock follow it.
  // A value no variant in stock has is disabled; one that does not go with the other choices is
  // dimmed, and choosing it moves the others to a combination that is in stock.
  var picker = document.querySelector('[data-role="variant-picker"]');
  if (picker) {
    var form = picker.closest("form");
    var variants = Array.prototype.map.call(form.querySelectorAll(".variant[data-options]"), function (el) {
      return {el: el, radio: el.querySelector("input"), options: JSON.parse(el.dataset.options),
              available: parseInt(el.dataset.available, 10) > 0};
    });
    var chips = Array.prototype.slice.call(picker.querySelectorAll(".chip"));
    var chosen = {};
    var fits = function (v, wanted) {
      return Object.keys(wanted).every(function (k) { return v.options[k] === wanted[k]; });
    };
    var inStock = function (wanted) { return variants.filter(function (v) { return v.available && fits(v, wanted); }); };
    var render = function () {
      chips.forEach(function (chip) {
        var attr = chip.dataset.attr, value = chip.dataset.value, only = {}, wanted = Object.assign({}, chosen);
        only[attr] = value; wanted[attr] = value;
        chip.disabled = inStock(only).length === 0;
        chip.classList.toggle("dim", !chip.disabled && inStock(wanted).length === 0);
        chip.classList.toggle("on", chosen[attr] === value);
        chip.setAttribute("aria-pressed", chosen[attr] === value ? "true" : "false");
      });
      var match = inStock(chosen).filter(function (v) { return Object.keys(v.options).length === Object.keys(chosen).length; })[0];
      variants.forEach(function (v) { v.radio.checked = v === match; });
      picker.querySelector('[data-role="price"]').textContent = match ? match.el.dataset.price : "";
      picker.querySelector('[data-role="stock"]').textContent = match ? match.el.dataset.stock : "";
    };
    picker.addEventListener("click", function (e) {
      var chip = e.target.closest(".chip");
      if (!chip || chip.disabled) { return; }
      chosen[chip.dataset.attr] = chip.dataset.value;
      if (!inStock(chosen).length) {
        var only = {}; only[chip.dataset.attr] = chip.dataset.value;
        chosen = Object.assign({}, inStock(only)[0].options);
      }
      render();
    });
    var first = variants.filter(function (v) { return v.available; })[0];
    if (first) { chosen = Object.assign({}, first.options); }
    picker.hidden = false;
    form.classList.add("with-chips");
    render();
  }
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
