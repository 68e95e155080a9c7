// The officials' dashboard charts (service.domain.reports.dashboard_summary), drawn with the plotly.js shipped
// in the installed plotly package; no animation, so screenshots and slow phones see the final picture at once.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.Plotly) { return; }
  var data = JSON.parse(source.textContent);
  var RED = "#b71c1c", GREY = "#8c939d", GOLD = "#d4a017";
  var font = { family: "PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif", size: 13, color: "#1f2329" };
  var config = { displayModeBar: false, responsive: true };
  function layout(extra) {
    var base = { font: font, margin: { l: 40, r: 10, t: 10, b: 60 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
                 legend: { orientation: "h", y: -0.25 }, transition: { duration: 0 }, hovermode: "closest",
                 yaxis: { rangemode: "tozero", tickformat: "d", fixedrange: true },
                 xaxis: { type: "category", fixedrange: true, automargin: true } };
    for (var k in extra) { base[k] = extra[k]; }
    return base;
  }
  function draw(id, traces, extra) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var spec = layout(extra || {});
    // Counts are whole numbers: with small ones, step the axis by 1 so that no tick repeats after rounding.
    var top = 0;
    traces.forEach(function (t) { (t.y || []).forEach(function (v) { top = Math.max(top, v); }); });
    if (top <= 10) { spec.yaxis.dtick = 1; spec.yaxis.range = [0, Math.max(top, 1) * 1.1]; }
    Plotly.newPlot(el, traces, spec, config);
  }
  // Districts with any activity (all of them would crowd a phone screen); the data table lists every one.
  var rows = data.by_district.filter(function (r) { return r.needs || r.visits; });
  var names = rows.map(function (r) { return r.district_name; });
  draw("chart-district", [
    { type: "bar", name: "发布需求", x: names, y: rows.map(function (r) { return r.needs; }), marker: { color: RED } },
    { type: "bar", name: "有效服务", x: names, y: rows.map(function (r) { return r.visits; }), marker: { color: GREY } }
  ], { barmode: "group" });
  var months = data.by_month.map(function (r) { return r.month + "月"; });
  draw("chart-month", [
    { type: "scatter", mode: "lines+markers", name: "发布需求", x: months, y: data.by_month.map(function (r) { return r.needs; }), line: { color: RED } },
    { type: "scatter", mode: "lines+markers", name: "有效服务", x: months, y: data.by_month.map(function (r) { return r.visits; }), line: { color: GREY } }
  ], {});
  var stars = ["1", "2", "3", "4", "5"];
  draw("chart-rating", [
    { type: "bar", x: stars.map(function (s) { return s + " 星"; }), y: stars.map(function (s) { return data.rating_distribution[s] || 0; }), marker: { color: GOLD } }
  ], { showlegend: false });
  draw("chart-liaison", [
    { type: "pie", hole: 0.5, sort: false, labels: ["按期联系", "尚未联系（未超期）", "超期未联系"], textinfo: "value",
      // the three add up to the pairs of the KPI card: a pair made lately and not yet contacted is neither late nor on time
      values: [data.liaison.contacted_recently, data.liaison.pairs - data.liaison.contacted_recently - data.liaison.not_contacted, data.liaison.not_contacted],
      marker: { colors: [GREY, "#d9d9d9", RED] } }
  ], { margin: { l: 10, r: 10, t: 10, b: 10 } });
})();
