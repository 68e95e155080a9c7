// The officials' dashboard charts, drawn with the plotly.js shipped in the installed plotly package.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.Plotly) { return; }
  var data = JSON.parse(source.textContent);
  var RED = "#b71c1c", GREY = "#8c939d", GOLD = "#d4a017";
  var font = { family: "PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif", size: 13, color: "#1f2329" };
  var config = { displayModeBar: false, responsive: true, staticPlot: false };
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
    if (el) { Plotly.newPlot(el, traces, layout(extra || {}), config); }
  }
  var visitsBy = {};
  data.visits_by_district.forEach(function (row) { visitsBy[row[0]] = row[1]; });
  var names = data.needs_by_district.map(function (row) { return row[0]; });
  draw("chart-district", [
    { type: "bar", name: "需求", x: names, y: data.needs_by_district.map(function (r) { return r[1]; }), marker: { color: RED } },
    { type: "bar", name: "已确认服务", x: names, y: names.map(function (n) { return visitsBy[n] || 0; }), marker: { color: GREY } }
  ], { barmode: "group" });
  var monthLabels = data.months.map(function (m) { return m.slice(2, 4) + "年" + parseInt(m.slice(5), 10) + "月"; });
  draw("chart-month", [
    { type: "scatter", mode: "lines+markers", name: "新增需求", x: monthLabels, y: data.needs_by_month, line: { color: RED } },
    { type: "scatter", mode: "lines+markers", name: "已确认服务", x: monthLabels, y: data.visits_by_month, line: { color: GREY } }
  ], {});
  draw("chart-rating", [
    { type: "bar", x: ["1 星", "2 星", "3 星", "4 星", "5 星"], y: data.ratings, marker: { color: GOLD } }
  ], { showlegend: false });
  if (data.liaisons_total !== null) {
    var overdue = data.liaisons_overdue || 0;
    draw("chart-liaison", [
      { type: "pie", hole: 0.5, sort: false, labels: ["按期联系", "超期未联系"],
        values: [data.liaisons_total - overdue, overdue], marker: { colors: [GREY, RED] },
        textinfo: "value", texttemplate: "%{value}" }
    ], { margin: { l: 10, r: 10, t: 10, b: 10 } });
  }
})();
