// The allocation map (ECharts from static/vendor): a sankey from units to venues, and each venue's fill rate.
// The data is the page's own JSON (json_script); the tables below the charts carry the same figures.
(function () {
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    var source = document.getElementById("allocation-map-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var kinds = {};
    data.nodes.forEach(function (n) { kinds[n.name] = n.kind; });
    var sankey = echarts.init(document.getElementById("allocation-map"));
    sankey.setOption({
      title: { text: "学员流向：单位 → 分会场" },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.dataType === "edge") {
            var moved = p.data.moved ? "（其中调剂 " + p.data.moved + " 人）" : "";
            return p.data.source + " → " + p.data.target + "：" + p.data.value + " 人" + moved;
          }
          return p.name + "：" + p.value + " 人";
        }
      },
      series: [{
        type: "sankey", left: 10, right: 160, top: 40, bottom: 10, nodeGap: 6, draggable: false,
        emphasis: { focus: "adjacency" },
        data: data.nodes.map(function (n) {
          return { name: n.name, itemStyle: { color: n.kind === "venue" ? "#2563eb" : "#b91c1c" } };
        }),
        links: data.links.map(function (l) {
          return { source: l.source, target: l.target, value: l.value, moved: l.moved,
                   lineStyle: { color: l.moved ? "#f59e0b" : "gradient", opacity: 0.45 } };
        }),
        label: { fontSize: 11 }
      }]
    });
    var fills = data.fills.filter(function (f) { return f.pct !== null; });
    var bar = document.getElementById("venue-fill-chart");
    if (fills.length) {
      echarts.init(bar).setOption({
        title: { text: "各分会场上座率（安排人数 / 允许上座）" },
        tooltip: { trigger: "axis", formatter: function (ps) {
          var f = fills[ps[0].dataIndex];
          return f.name + "：" + f.n + " / " + f.cap + "（" + f.pct + "%）";
        } },
        grid: { left: 50, right: 50, bottom: 90 },
        xAxis: { type: "category", data: fills.map(function (f) { return f.name; }), axisLabel: { rotate: 40, fontSize: 11 } },
        yAxis: { type: "value", name: "%", max: function (v) { return Math.max(100, v.max); } },
        series: [{
          type: "bar", data: fills.map(function (f) {
            return { value: f.pct, itemStyle: { color: f.pct > 100 ? "#b91c1c" : (f.pct >= 90 ? "#f59e0b" : "#2563eb") } };
          }),
          markLine: { silent: true, symbol: "none", data: [{ yAxis: 100, name: "允许上座" }], lineStyle: { color: "#b91c1c" } }
        }]
      });
    } else { bar.remove(); }
    window.addEventListener("resize", function () { sankey.resize(); });
  });
})();
