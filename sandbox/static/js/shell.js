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
  // Checkout: shipping, coupons and the amount to pay follow the buyer's choices (amounts in fen in data-
  // attributes; the server prices the order again on submit).
  var checkout = document.querySelector("form[data-checkout]");
  if (checkout) {
    var yuan = function (fen) {
      var abs = Math.abs(fen), cents = String(abs % 100);
      var whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
      return (fen < 0 ? "-" : "") + "¥" + whole + "." + (cents.length < 2 ? "0" + cents : cents);
    };
    var show = function (root, role, text) {
      var el = root.querySelector('[data-role="' + role + '"]');
      if (el) { el.textContent = text; }
    };
    var recompute = function () {
      var method = checkout.querySelector('input[name="shipping_method"]:checked');
      var sums = { goods: 0, shipping: 0, coupon: 0, discount: 0 };
      checkout.querySelectorAll("[data-shop-order]").forEach(function (shop) {
        var fees = JSON.parse(shop.dataset.shipping || "{}");
        var ship = method && fees[method.value] !== undefined ? fees[method.value] : 0;
        var select = shop.querySelector('select[data-role="coupon"]');
        var option = select ? select.options[select.selectedIndex] : null;
        var coupon = option ? parseInt(option.dataset.amount || "0", 10) : 0;
        var goods = parseInt(shop.dataset.goods, 10), discount = parseInt(shop.dataset.fixed, 10) + coupon;
        show(shop, "shop-shipping", yuan(ship));
        show(shop, "shop-discount", "−" + yuan(discount));
        show(shop, "shop-payable", yuan(goods - discount + ship));
        sums.goods += goods; sums.shipping += ship; sums.coupon += coupon; sums.discount += discount;
      });
      show(checkout, "shipping", yuan(sums.shipping));
      show(checkout, "coupon-total", "−" + yuan(sums.coupon));
      show(checkout, "discount", "−" + yuan(sums.discount));
      show(checkout, "payable", yuan(sums.goods - sums.discount + sums.shipping));
    };
    checkout.addEventListener("change", recompute);
  }
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
