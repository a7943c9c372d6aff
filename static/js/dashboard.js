// The staff dashboard's charts and flow map, fed by /api/v1/dashboard/<name>/.
// Every chart has a data table beside it (for screen readers, and for anyone who prefers one).
(function () {
  "use strict";
  const root = document.querySelector("[data-dashboard]");
  if (!root) return;
  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate || ((text, values) => values.reduce((out, value) => out.replace("%s", value), text));
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
  }

  // A chart with nothing to count would draw bare axes (or a map without flows): say so
  // instead, and hide the chart, its measure picker and its table of zeros.
  function showEmpty(figure, reason) {
    figure.querySelectorAll(".chart-canvas, .map, .metric-pick, .chart-table").forEach((part) => {
      part.hidden = true;
    });
    const note = document.createElement("p");
    note.className = "chart-empty";
    const title = document.createElement("strong");
    title.textContent = gettext("No data yet.");
    note.append(title, " ", reason);
    figure.querySelector("figcaption").after(note);
    figure.dataset.empty = "true";
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
    if (!data.items.some((item) => item.units || item.cartons || item.kg)) {
      showEmpty(figure, gettext("Goods are counted once their shipment has been dispatched."));
      return;
    }
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
    if (!data.items.length) {
      showEmpty(figure, gettext("Costs per kg are counted once a shipment has a freight cost and a weight."));
      return;
    }
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
    if (!data.items.some((item) => item.count)) {
      showEmpty(figure, gettext("Lead times are counted once a shipment has been dispatched."));
      return;
    }
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
    if (!data.items.some((item) => item.offers || item.shipments)) {
      showEmpty(
        figure,
        interpolate(gettext("No offer received and no shipment dispatched in the last %s weeks."), [data.items.length]),
      );
      return;
    }
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

  // Close cities (Milan and Turin, Busan and Gwangyang) would print their names over each
  // other. Each label takes the first free spot around its marker: right, left, the corners,
  // above, below, then farther out with a leader line to its marker. Free means over no other
  // label or marker and inside the map; crowded markers choose first. When no spot is free
  // (a very narrow map), the least covered one wins. Runs again whenever the map moves its
  // labels back (jsVectorMap resets their x and y on every viewport change).
  const DIRECTIONS = [0, 180, -30, 30, -150, 150, -90, 90].map((degrees) => (degrees * Math.PI) / 180);

  function area(a, b) {
    const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
    const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
    return w > 0 && h > 0 ? w * h : 0;
  }

  function spots(label) {
    const { marker, width, height } = label;
    const near = marker.r + 4;
    const found = [];
    [near, near + height * 1.4, near + height * 2.8].forEach((radius, ring) => {
      DIRECTIONS.forEach((angle) => {
        const cos = Math.cos(angle);
        const sin = Math.sin(angle);
        const x = marker.x + radius * cos;
        const y = marker.y + radius * sin;
        let anchor = "middle";
        let x1 = x - width / 2;
        if (cos > 0.3) { anchor = "start"; x1 = x; }
        if (cos < -0.3) { anchor = "end"; x1 = x - width; }
        // Straight above or below: the label's near edge, not its middle, sits at the radius.
        const middle = Math.abs(sin) > 0.9 ? y + Math.sign(sin) * (height / 2) : y;
        found.push({
          anchor,
          x,
          middle,
          leader: ring > 0 ? { x1: marker.x + marker.r * cos, y1: marker.y + marker.r * sin, x2: x, y2: y } : null,
          box: { x1, x2: x1 + width, y1: middle - height / 2, y2: middle + height / 2 },
        });
      });
    });
    return found;
  }

  function placeLabels(element) {
    const svg = element.querySelector("svg");
    const group = svg && svg.querySelector("#jvm-markers-labels-group");
    if (!group) return;
    group.querySelectorAll(".map-leader").forEach((line) => line.remove());
    const bounds = { x1: 0, y1: 0, x2: element.clientWidth, y2: element.clientHeight };
    const markers = new Map();
    svg.querySelectorAll("circle.jvm-marker").forEach((circle) => {
      const x = Number(circle.getAttribute("cx"));
      const y = Number(circle.getAttribute("cy"));
      const r = Number(circle.getAttribute("r")) + 2; // and a little of its white halo
      markers.set(circle.dataset.index, { x, y, r, box: { x1: x - r, y1: y - r, x2: x + r, y2: y + r } });
    });
    const labels = [];
    group.querySelectorAll("text.jvm-label").forEach((text) => {
      const marker = markers.get(text.dataset.index);
      if (!marker) return;
      text.setAttribute("text-anchor", "start");
      const box = text.getBBox();
      const neighbours = [...markers.values()].filter((m) => Math.hypot(m.x - marker.x, m.y - marker.y) < 80).length;
      // The glyphs' top relative to the y attribute (the map sets dy), to centre them on a spot.
      labels.push({ text, marker, neighbours, width: box.width, height: box.height, top: box.y - Number(text.getAttribute("y")) });
    });
    labels.sort((a, b) => b.neighbours - a.neighbours || b.marker.x - a.marker.x);
    const taken = [];
    labels.forEach((label) => {
      let best = null;
      spots(label).forEach((spot) => {
        const { box } = spot;
        let cost = taken.reduce((sum, other) => sum + area(box, other), 0);
        markers.forEach((marker) => { cost += area(box, marker.box); });
        cost += ((box.x2 - box.x1) * (box.y2 - box.y1) - area(box, bounds)) * 4;
        if (!best || cost < best.cost) best = { cost, spot };
      });
      const { spot } = best;
      label.text.setAttribute("text-anchor", spot.anchor);
      label.text.setAttribute("x", spot.x);
      label.text.setAttribute("y", spot.middle - label.height / 2 - label.top);
      taken.push(spot.box);
      if (spot.leader) {
        const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
        Object.entries(spot.leader).forEach(([name, value]) => line.setAttribute(name, value));
        line.setAttribute("class", "map-leader");
        line.setAttribute("stroke", "#5b6670");
        line.setAttribute("stroke-width", "1");
        group.prepend(line);
      }
    });
  }

  // The share of the map the sister cities' countries fill once focused on.
  const FOCUS_MARGIN = 0.85;

  function flows(figure, data) {
    if (!data.items.some((item) => item.shipments)) {
      showEmpty(figure, gettext("Flows are drawn once a shipment to a sister city has been created."));
      return;
    }
    const placed = data.items.filter((item) => item.coords);
    const element = figure.querySelector(".map");
    if (window.jsVectorMap && element) {
      const origin = { name: data.origin.label, coords: data.origin.coords, style: { fill: "#c0392b" } };
      const countries = [...new Set(["CN"].concat(placed.map((item) => item.country)))];
      // eslint-disable-next-line no-new
      new window.jsVectorMap({
        selector: element,
        map: "world",
        zoomButtons: false,
        zoomOnScroll: false,
        regionStyle: { initial: { fill: "#d5dde6" }, hover: { fillOpacity: 1 }, selected: { fill: "#9fb7cc" } },
        selectedRegions: countries,
        markers: [origin].concat(placed.map((item) => ({ name: item.label, coords: item.coords }))),
        markerStyle: { initial: { fill: "#1f5f8b", stroke: "#fff", r: 5 } },
        lines: placed.filter((item) => item.shipments).map((item) => ({ from: origin.name, to: item.label })),
        lineStyle: { stroke: "#c0392b", strokeWidth: 1.5, strokeDasharray: "6 3", animation: false },
        labels: { markers: { render: (marker) => marker.name } },
        markerLabelStyle: { initial: { fontFamily: "system-ui, sans-serif", fontSize: 12, fontWeight: 500, fill: "#1d2733" } },
        focusOn: { regions: countries, animate: false },
        onLoaded: (map) => {
          // focusOn fits the countries edge to edge, so a city on a border (Turin) would sit on
          // the map's edge: step back around the centre to leave it, and its label, room.
          map._setScale(map.scale * FOCUS_MARGIN, map._width / 2, map._height / 2, false, false);
          placeLabels(element);
        },
        onViewportChange: () => placeLabels(element),
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
