/* Service index charts (ECharts, served locally). Each chart element names its kind
   (data-chart) and the id of the JSON its page carries (data-source, from json_script):
   no inline script under the CSP. Redrawn when htmx swaps a part of the page in. */
(function () {
  "use strict";

  var BLUE = "#1d4f91", GREY = "#d9dee5", RED = "#b42318", GREEN = "#1a7f37";

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var OPTIONS = {
    groups: function (d) {
      return {
        aria: { enabled: true },
        grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", name: "điểm" },
        yAxis: { type: "category", data: d.labels, inverse: true, axisLabel: { width: 120, overflow: "break" } },
        series: [
          { name: "Tối đa", type: "bar", data: d.max, itemStyle: { color: GREY }, barGap: "-100%", silent: true },
          { name: "Điểm", type: "bar", data: d.points, itemStyle: { color: BLUE }, label: { show: true, position: "right" } }
        ]
      };
    },
    trend: function (d) {
      return {
        aria: { enabled: true },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", min: 0, max: 100, name: "%" },
        series: [
          { name: "Tỷ lệ đạt", type: "line", data: d.percent, itemStyle: { color: BLUE }, connectNulls: false },
          { name: "Đúng hạn", type: "line", data: d.on_time, itemStyle: { color: GREEN }, connectNulls: false }
        ]
      };
    },
    peers: function (d) {
      var data = d.percent.map(function (v, i) {
        return { value: v, itemStyle: { color: i === d.current ? RED : BLUE } };
      });
      return {
        aria: { enabled: true },
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", min: 0, max: 100, name: "%" },
        yAxis: { type: "category", data: d.names, inverse: true, axisLabel: { width: 140, overflow: "truncate" } },
        series: [{ name: "Tỷ lệ đạt", type: "bar", data: data, barMaxWidth: 28 }]
      };
    }
  };

  function draw(root) {
    if (!window.echarts || !root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = read(el.getAttribute("data-source"));
      var make = OPTIONS[el.getAttribute("data-chart")];
      if (!data || !make) return;
      if (el.getAttribute("data-chart") === "peers") {
        // One bar per unit: the chart grows with the number of peers (CSSOM, not markup).
        var n = (data.peers || data).names.length;
        el.style.height = Math.max(160, 26 * n + 60) + "px";
      }
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(make(data[el.getAttribute("data-chart")] || data), true);
      chart.resize();
    });
  }

  function resizeAll() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (e) { draw(document); });
  window.addEventListener("resize", resizeAll);
})();
