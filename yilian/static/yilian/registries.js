// Single-disease quality indicators: benchmarking charts drawn from the page's JSON data.
// Managers get one bar chart per indicator (every hospital's rate, the alliance's rate and
// the target as lines); a hospital gets its rates beside the alliance's, per indicator.
(function () {
  "use strict";
  function markLines(ind, labels) {
    var lines = [];
    if (ind.alliance !== null) lines.push({ name: labels.alliance, xAxis: ind.alliance, label: { position: "end", formatter: labels.alliance + " {c}%" } });
    if (ind.target !== null) lines.push({ name: labels.target, xAxis: ind.target, lineStyle: { type: "dotted", color: "#198754" }, label: { position: "start", color: "#198754", formatter: labels.target + " {c}%" } });
    return { symbol: "none", data: lines };
  }
  function benchmark(holder, ind, labels) {
    var rows = ind.hospitals.slice().sort(function (a, b) { return a.rate - b.rate; });
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    holder.style.height = Math.max(160, 28 * rows.length + 60) + "px";
    chart.resize();
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
      grid: { left: 8, right: 48, top: 24, bottom: 24, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ type: "bar", data: rows.map(function (r) { return r.rate; }), label: { show: true, position: "right", formatter: "{c}%" }, markLine: markLines(ind, labels) }],
    });
    holder.dataset.drawn = "true";
    return chart;
  }
  function own(holder, data) {
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    var names = data.indicators.map(function (i) { return i.name; });
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: names, axisLabel: { width: 160, overflow: "truncate" } },
      series: [
        { name: data.labels.own, type: "bar", data: data.indicators.map(function (i) { return i.own; }) },
        { name: data.labels.alliance, type: "bar", data: data.indicators.map(function (i) { return i.alliance; }) },
        { name: data.labels.target, type: "scatter", symbol: "diamond", symbolSize: 12, data: data.indicators.map(function (i) { return i.target; }) },
      ],
    });
    holder.dataset.drawn = "true";
    return chart;
  }
  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var charts = [];
    if (data.mode === "own") {
      var holder = document.getElementById("chart-own");
      if (holder) charts.push(own(holder, data));
    } else {
      var byCode = {};
      data.indicators.forEach(function (i) { byCode[i.code] = i; });
      document.querySelectorAll("[data-chart='benchmark']").forEach(function (el) {
        var ind = byCode[el.dataset.indicator];
        if (ind) charts.push(benchmark(el, ind, data.labels));
      });
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
