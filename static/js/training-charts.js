// Charts of the training pages (ECharts from static/vendor). Data comes from the page itself.
(function () {
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    if (typeof echarts === "undefined") return;
    var occ = document.getElementById("occupancy-chart");
    if (occ && occ.dataset.chart) {
      var rows = JSON.parse(occ.dataset.chart);
      echarts.init(occ).setOption({
        title: { text: "各分会场上座情况" }, tooltip: {}, legend: { data: ["安排人数", "允许上座"], right: 0 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { rotate: 45 } },
        yAxis: { type: "value" },
        series: [
          { name: "安排人数", type: "bar", data: rows.map(function (r) { return r.n; }) },
          { name: "允许上座", type: "line", data: rows.map(function (r) { return r.cap; }) }
        ]
      });
    }
    var data = document.getElementById("coverage-data");
    if (data) {
      var c = JSON.parse(data.textContent);
      echarts.init(document.getElementById("coverage-chart")).setOption({
        title: { text: "各单位参训率与学时达标率（%）" }, tooltip: {}, legend: { right: 0 },
        xAxis: { type: "category", data: c.units, axisLabel: { rotate: 30 } }, yAxis: { type: "value", max: 100 },
        series: [{ name: "参训率", type: "bar", data: c.trained }, { name: "达标率", type: "bar", data: c.met }]
      });
      echarts.init(document.getElementById("trend-chart")).setOption({
        title: { text: "月度趋势" }, tooltip: { trigger: "axis" }, legend: { right: 0 },
        xAxis: { type: "category", data: c.months }, yAxis: [{ type: "value" }, { type: "value" }],
        series: [{ name: "参训人数", type: "line", data: c.month_cadres },
                 { name: "学时", type: "line", yAxisIndex: 1, data: c.month_hours }]
      });
    }
  });
})();
