// 生意参谋's charts: each [data-chart] element is drawn by ECharts from the JSON data block whose id it
// names (the page has no inline script). data-kind="line": {labels, series: [{name, data}]};
// data-kind="pie": {pie: [{name, value, share}]}.
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var colours = ["#2563eb", "#f97316", "#16a34a", "#a855f7"];
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    var block = document.getElementById(el.getAttribute("data-chart"));
    if (!block) { return; }
    var data = JSON.parse(block.textContent);
    var chart = echarts.init(el);
    if (el.getAttribute("data-kind") === "pie") {
      chart.setOption({
        animation: false,
        color: colours,
        // The shares shown are the page's own (one definition, in services.py), not ECharts' rounding.
        tooltip: { trigger: "item", formatter: function (p) { return p.name + ": " + p.value + " (" + p.data.share + ")"; } },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["35%", "70%"], center: ["50%", "45%"], data: data.pie,
          label: { position: "inside", formatter: function (p) { return p.data.share; }, color: "#fff", fontSize: 11 }
        }]
      });
    } else {
      chart.setOption({
        animation: false,
        color: colours,
        grid: { left: 48, right: 16, top: 36, bottom: 40 },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        xAxis: { type: "category", data: data.labels, boundaryGap: false },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (s) {
          return { name: s.name, type: "line", smooth: true, data: s.data, symbolSize: 5 };
        })
      });
    }
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
