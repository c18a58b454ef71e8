// The reporting-rates page's chart: reporting and on-time rate per province, from the
// page's JSON data (the tables below hold the same figures).
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("chart-rates");
    var source = document.getElementById("rates-chart-data");
    if (!holder || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    if (!data.labels.length) return;
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 72 },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 30 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: data.names.reporting, type: "bar", data: data.reporting },
        { name: data.names.on_time, type: "bar", data: data.on_time },
      ],
    });
    holder.dataset.drawn = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
