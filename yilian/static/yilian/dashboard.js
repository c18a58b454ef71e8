// The application-effect dashboard's trend chart, drawn from the page's JSON data.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("chart-trend");
    var source = document.getElementById("chart-data");
    if (!holder || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    var series = [];
    data.series.forEach(function (s) {
      if (s.key === "logins" || s.key === "interactions") return; // other scale: cards say them
      series.push({ name: s.label, type: "line", smooth: true, data: s.current });
      series.push({
        name: s.label + " · " + data.labels.previous, type: "line", data: s.previous,
        lineStyle: { type: "dashed", opacity: 0.5 }, symbol: "none",
      });
    });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: series,
    });
    holder.dataset.drawn = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
