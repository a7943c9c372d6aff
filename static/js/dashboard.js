// The staff dashboard's charts and flow map, fed by /api/v1/dashboard/<name>/.
// Every chart has a data table beside it (for screen readers, and for anyone who prefers one).
(function () {
  "use strict";
  const root = document.querySelector("[data-dashboard]");
  if (!root) return;
  const gettext = window.gettext || ((text) => text);
  const lang = document.documentElement.lang || undefined;
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const COLOURS = ["#1f5f8b", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#7f8c8d"];
  const METRIC_LABELS = {
    units: gettext("Units"),
    cartons: gettext("Cartons"),
    kg: gettext("Gross weight (kg)"),
    value: gettext("Declared value"),
  };

  root.querySelectorAll("[data-loading]").forEach((note) => { note.hidden = true; });

  function shorten(label) {
    const room = window.innerWidth < 600 ? 16 : 32;
    return label.length > room ? `${label.slice(0, room - 1)}…` : label;
  }

  function show(value) {
    return value === null || value === undefined ? "–" : number.format(value);
  }

  function fillTable(figure, headers, rows) {
    const table = figure.querySelector("table");
    table.replaceChildren();
    const caption = document.createElement("caption");
    caption.className = "visually-hidden";
    caption.textContent = figure.querySelector("figcaption").textContent;
    const head = document.createElement("thead");
    const headRow = document.createElement("tr");
    headers.forEach((text, index) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = text;
      if (index > 0) th.className = "num";
      headRow.append(th);
    });
    head.append(headRow);
    const body = document.createElement("tbody");
    rows.forEach((cells) => {
      const tr = document.createElement("tr");
      cells.forEach((cell, index) => {
        const td = document.createElement(index === 0 ? "th" : "td");
        if (index === 0) td.scope = "row";
        else td.className = "num";
        if (cell && typeof cell === "object" && cell.url) {
          const link = document.createElement("a");
          link.href = cell.url;
          link.textContent = cell.text;
          td.append(link);
        } else {
          td.textContent = typeof cell === "number" ? show(cell) : cell ?? "–";
        }
        tr.append(td);
      });
      body.append(tr);
    });
    table.append(caption, head, body);
    if (!rows.length) {
      const empty = document.createElement("p");
      empty.className = "chart-empty";
      empty.textContent = gettext("Nothing to show yet.");
      figure.querySelector(".chart-canvas, .map")?.after(empty);
    }
  }

  function chart(figure, config) {
    if (!window.Chart) return null;
    const canvas = figure.querySelector("canvas");
    const existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {},
    );
    return new window.Chart(canvas, config);
  }

  function valueDatasets(items, currencies) {
    return currencies.map((currency, index) => ({
      label: `${METRIC_LABELS.value} (${currency})`,
      data: items.map((item) => item.value[currency] || 0),
      backgroundColor: COLOURS[index % COLOURS.length],
    }));
  }

  function goods(figure, data) {
    const select = figure.querySelector("[data-metric]");
    const currencies = data.currencies.length ? data.currencies : ["CNY"];
    const draw = () => {
      const metric = select.value;
      const datasets = metric === "value"
        ? valueDatasets(data.items, currencies)
        : [{ label: METRIC_LABELS[metric], data: data.items.map((item) => item[metric]), backgroundColor: COLOURS[0] }];
      chart(figure, {
        type: "bar",
        data: { labels: data.items.map((item) => item.label), datasets },
        options: {
          indexAxis: "y",
          plugins: { legend: { display: datasets.length > 1 } },
          // Long category names would squeeze the bars on a phone; the table has them in full.
          scales: { y: { ticks: { callback(value) { return shorten(this.getLabelForValue(value)); } } } },
        },
      });
    };
    select.addEventListener("change", draw);
    draw();
    fillTable(
      figure,
      ["", METRIC_LABELS.units, METRIC_LABELS.cartons, METRIC_LABELS.kg]
        .concat(currencies.map((c) => `${METRIC_LABELS.value} (${c})`)),
      data.items.map((item) => [{ text: item.label, url: item.url }, item.units, item.cartons, item.kg]
        .concat(currencies.map((c) => item.value[c] || 0))),
    );
  }

  function freight(figure, data) {
    const labels = data.items.map((item) => `${item.label} (${item.currency})`);
    chart(figure, {
      type: "bar",
      data: { labels, datasets: [{ label: gettext("Cost per kg"), data: data.items.map((i) => i.per_kg), backgroundColor: COLOURS[1] }] },
      options: { plugins: { legend: { display: false } } },
    });
    fillTable(
      figure,
      [gettext("Mode"), gettext("Cost per kg"), gettext("Freight cost"), gettext("Weight (kg)"), gettext("Shipments")],
      data.items.map((item, index) => [labels[index], item.per_kg, item.cost, item.kg, item.shipments]),
    );
  }

  function leadTimes(figure, data) {
    chart(figure, {
      type: "bar",
      data: {
        labels: data.items.map((item) => item.label),
        datasets: [
          { label: gettext("Median"), data: data.items.map((i) => i.median), backgroundColor: COLOURS[0] },
          { label: gettext("90th percentile"), data: data.items.map((i) => i.p90), backgroundColor: COLOURS[1] },
        ],
      },
    });
    fillTable(
      figure,
      ["", gettext("Median (days)"), gettext("90th percentile (days)"), gettext("Shipments counted")],
      data.items.map((item) => [item.label, item.median, item.p90, item.count]),
    );
  }

  function weekly(figure, data) {
    const labels = data.items.map((item) => item.week);
    chart(figure, {
      type: "line",
      data: {
        labels,
        datasets: [
          { label: gettext("Offers"), data: data.items.map((i) => i.offers), borderColor: COLOURS[0], backgroundColor: COLOURS[0] },
          { label: gettext("Shipments dispatched"), data: data.items.map((i) => i.shipments), borderColor: COLOURS[1], backgroundColor: COLOURS[1] },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    fillTable(
      figure,
      [gettext("Week of"), gettext("Offers"), gettext("Shipments dispatched")],
      data.items.filter((i) => i.offers || i.shipments).map((i) => [i.week, i.offers, i.shipments]),
    );
  }

  function flows(figure, data) {
    const placed = data.items.filter((item) => item.coords);
    const element = figure.querySelector(".map");
    if (window.jsVectorMap && element) {
      const origin = { name: data.origin.label, coords: data.origin.coords, style: { fill: "#c0392b" } };
      // eslint-disable-next-line no-new
      new window.jsVectorMap({
        selector: element,
        map: "world",
        zoomButtons: false,
        zoomOnScroll: false,
        regionStyle: { initial: { fill: "#d5dde6" }, hover: { fillOpacity: 1 }, selected: { fill: "#9fb7cc" } },
        selectedRegions: [...new Set(["CN"].concat(placed.map((item) => item.country)))],
        markers: [origin].concat(placed.map((item) => ({ name: item.label, coords: item.coords }))),
        markerStyle: { initial: { fill: "#1f5f8b", stroke: "#fff", r: 5 } },
        lines: placed.filter((item) => item.shipments).map((item) => ({ from: origin.name, to: item.label })),
        lineStyle: { stroke: "#c0392b", strokeWidth: 1.5, strokeDasharray: "6 3", animation: false },
        labels: { markers: { render: (marker) => marker.name } },
        focusOn: { regions: ["IT", "KR", "KH", "CN"], animate: false },
      });
    }
    fillTable(
      figure,
      [gettext("City"), gettext("Country"), gettext("Shipments"), gettext("Dispatched"), gettext("In transit")],
      data.items.map((item) => [{ text: item.label, url: item.url }, item.country, item.shipments, item.shipped, item.in_transit]),
    );
  }

  const DRAW = {
    "goods-by-city": goods,
    "goods-by-category": goods,
    "freight-cost-per-kg": freight,
    "lead-times": leadTimes,
    weekly,
    flows,
  };

  root.querySelectorAll("[data-chart]").forEach((figure) => {
    fetch(figure.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => {
        DRAW[figure.dataset.chart](figure, data);
        figure.dataset.loaded = "true";
      })
      .catch(() => {
        const error = document.createElement("p");
        error.className = "error";
        error.textContent = gettext("This chart could not be loaded.");
        figure.append(error);
        figure.dataset.loaded = "error";
      });
  });
})();
