// Sentinel monitoring charts: a weekly trend (one line per indicator) or an alert's series
// with its baseline and limit, drawn from the JSON the page carries (json_script).
(function () {
  "use strict";
  function draw(holder) {
    var source = document.getElementById(holder.dataset.sentinelChart);
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    var series = data.series.map(function (s) {
      var line = { name: s.label, type: "line", data: s.values, connectNulls: false };
      if (data.threshold !== undefined) {
        line.markLine = {
          symbol: "none",
          data: [{ yAxis: data.threshold, name: "limit", lineStyle: { color: "#dc3545", type: "dashed" } }]
            .concat(data.baseline !== null && data.baseline !== undefined
              ? [{ yAxis: data.baseline, name: "baseline", lineStyle: { color: "#6c757d", type: "dotted" } }]
              : []),
        };
        line.markPoint = {
          data: [{ coord: [data.alert_week, s.values[s.values.length - 1]], itemStyle: { color: "#dc3545" } }],
        };
      }
      return line;
    });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 40, right: 16, top: 24, bottom: 56 },
      xAxis: { type: "category", data: data.weeks },
      yAxis: { type: "value", minInterval: 1 },
      series: series,
    });
    holder.dataset.drawn = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function start() {
    document.querySelectorAll("[data-sentinel-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
