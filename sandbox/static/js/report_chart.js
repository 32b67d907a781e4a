// The exam report's score distributions: each [data-chart] element is drawn by ECharts from the JSON
// data block whose id it names (the page has no inline script).
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    var block = document.getElementById(el.getAttribute("data-chart"));
    if (!block) { return; }
    var data = JSON.parse(block.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 30, bottom: 50 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, name: data.xName, nameLocation: "middle", nameGap: 32,
                axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: { type: "value", name: data.yName, minInterval: 1 },
      series: [{
        name: data.series,
        type: "bar",
        data: data.counts.map(function (n, i) {
          // Bins at or above the pass mark are green, below it red.
          return { value: n, itemStyle: { color: i >= data.passBin ? "#16a34a" : "#dc2626" } };
        }),
        label: { show: true, position: "top" }
      }]
    });
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
