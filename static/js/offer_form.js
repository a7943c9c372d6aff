// The offer form and the import page, enhanced. Without this file both still work:
// "Add another lot" and "Remove" are real submit buttons the server handles.
(function () {
  "use strict";

  // --- progress while a form uploads (import and its confirmation) -----------------------
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var state = form.querySelector("[data-progress-state]");
      if (state) state.hidden = false;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        // Let this submit go through, then refuse a second click.
        setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  var form = document.getElementById("offer-form");
  if (!form) return;

  var lots = document.getElementById("lots");
  var template = document.getElementById("lot-template");
  var total = form.querySelector("input[name=lots-TOTAL_FORMS]");
  var status = document.getElementById("lots-status");
  var evaluateUrl = form.dataset.evaluateUrl;
  var chinese = (form.dataset.language || "").indexOf("zh") === 0;
  var submitting = false;

  function visibleLots() {
    return Array.prototype.filter.call(lots.querySelectorAll("[data-lot]"), function (lot) {
      return !lot.hidden;
    });
  }

  function renumber() {
    var visible = visibleLots();
    visible.forEach(function (lot, position) {
      var only = lot.querySelector("[data-remove-lot]");
      if (only) only.hidden = visible.length === 1;
      var legend = lot.querySelector("legend");
      legend.textContent = legend.textContent.replace(/\d+/, String(position + 1));
      var remove = lot.querySelector("[data-remove-lot]");
      if (remove) remove.textContent = remove.textContent.replace(/\d+/, String(position + 1));
    });
  }

  function announce(text) {
    if (status) status.textContent = text;
  }

  // --- add and remove lots -----------------------------------------------------------------
  document.getElementById("add-lot").addEventListener("click", function (event) {
    event.preventDefault();
    var index = parseInt(total.value, 10);
    if (index >= parseInt(lots.dataset.max, 10)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index))
      .replace(/__number__/g, String(visibleLots().length + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var lot = holder.firstElementChild;
    lots.appendChild(lot);
    total.value = String(index + 1);
    wireLot(lot);
    renumber();
    announce(form.dataset.labelAdded);
    var first = lot.querySelector("select, input:not([type=hidden])");
    if (first) first.focus();
  });

  lots.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-lot]");
    if (!button) return;
    event.preventDefault();
    if (visibleLots().length <= 1) return;
    var lot = button.closest("[data-lot]");
    var marker = lot.querySelector("input[name$='-DELETE']");
    if (marker) marker.value = "True";
    lot.hidden = true;
    renumber();
    announce(form.dataset.labelRemoved);
    var heading = document.getElementById("lots-heading");
    if (heading) heading.focus();
  });

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && (submitter.name === "add_lot" || submitter.name === "remove_lot")) return;
    if (submitting) { event.preventDefault(); return; }  // a double click sends once
    submitting = true;
  });

  // --- the standards that fit the chosen category -------------------------------------------
  function filterStandards(lot) {
    var category = field(lot, "category").value;
    var standard = field(lot, "standard");
    Array.prototype.forEach.call(standard.options, function (option) {
      if (!option.value) return;
      var fits = !category || (option.dataset.categories || "").split(" ").indexOf(category) >= 0;
      option.hidden = !fits;
    });
  }

  function field(lot, name) {
    return lot.querySelector("[name='lots-" + lot.dataset.lot + "-" + name + "']");
  }

  // --- compliance what-if -------------------------------------------------------------------
  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // The dates the check assumes: blank means "leaving today, two weeks' transit" (the server
  // fills them in and says so); the donor may set others.
  var dates = document.querySelector("[data-whatif-dates]");
  var exportInput = document.getElementById("whatif-export");
  var arrivalInput = document.getElementById("whatif-arrival");
  if (dates) dates.hidden = false;

  function attachmentKinds(lot) {
    var kinds = [];
    var certificates = field(lot, "certificates");
    if (certificates && certificates.files.length) kinds.push(field(lot, "certificate_kind").value);
    var reports = field(lot, "test_reports");
    if (reports && reports.files.length) kinds.push("test_report");
    var photos = field(lot, "photos");
    if (photos && photos.files.length) kinds.push("photo");  // the server ignores it, and says so
    return kinds;
  }

  function destination() {
    var city = form.querySelector("[name=preferred_city]");
    var option = city && city.options[city.selectedIndex];
    return option && option.value ? { city: option.value, country: option.dataset.country || "" } : null;
  }

  function clear(box) { box.textContent = ""; }

  function text(en, zh) { return (chinese && zh) ? zh : en; }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function shownDate(iso) {
    var parts = iso.split("-");
    var date = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    return date.toLocaleDateString(chinese ? "zh-CN" : "en-GB",
      { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  function fill(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }

  function useFix(lot, kind) {
    var select = field(lot, "certificate_kind");
    var input = field(lot, "certificates");
    if (kind === "test_report") input = field(lot, "test_reports");
    else if (select) select.value = kind;
    if (input) input.focus();
  }

  function render(box, lot, data) {
    clear(box);
    if (!data || !data.result) return;
    var labels = form.dataset;
    box.dataset.state = data.state;
    var verdict = element("p", "whatif-verdict");
    var badge = element("span", "badge badge-" + data.result,
      labels["label" + data.result.charAt(0).toUpperCase() + data.result.slice(1)] || data.result);
    verdict.append(badge, " ", element("span", "whatif-verdict-text", text(data.verdict, data.verdict_zh)));
    box.appendChild(verdict);

    if (data.fixes && data.fixes.length) {
      box.appendChild(element("p", "whatif-subtitle", labels.labelFixes));
      var fixes = element("ol", "whatif-fixes");
      data.fixes.forEach(function (fix) {
        var item = element("li", "fix fix-" + fix.kind + " fix-" + fix.result);
        item.dataset.fix = fix.kind;
        item.appendChild(element("span", "", text(fix.label, fix.label_zh)));
        if (fix.kind === "attach" && fix.attachments.length) {
          fix.attachments.forEach(function (kind) {
            var button = element("button", "button-link whatif-use", fill(labels.labelAttachKind,
              { kind: text(kind.label, kind.label_zh) }));
            button.type = "button";
            button.addEventListener("click", function () { useFix(lot, kind.kind); });
            item.append(" ", button);
          });
        }
        fixes.appendChild(item);
      });
      box.appendChild(fixes);
    }

    if ((data.ignored_attachments || []).length) {
      box.appendChild(element("p", "whatif-note", labels.labelIgnored));
    }

    var assumed = element("p", "whatif-dates-note");
    var template = (exportInput && exportInput.value) || (arrivalInput && arrivalInput.value)
      ? labels.labelDatesChosen : labels.labelDatesAssumed;
    assumed.append(fill(template, {
      export: shownDate(data.export_date), arrival: shownDate(data.arrival_date), days: data.transit_days
    }) + " ");
    if (dates) {
      var change = element("a", "", labels.labelChangeDates);
      change.href = "#whatif-dates";
      change.addEventListener("click", function (event) {
        event.preventDefault();
        dates.scrollIntoView({ block: "center" });
        if (exportInput) exportInput.focus();
      });
      assumed.appendChild(change);
    }
    box.appendChild(assumed);

    if ((data.findings || []).length) {
      var details = element("details", "whatif-details");
      details.appendChild(element("summary", "", fill(labels.labelDetails, { count: data.findings.length })));
      var list = element("ul", "findings");
      data.findings.forEach(function (finding) {
        var item = element("li", "severity-" + (finding.severity || "info"));
        item.appendChild(element("span", "", text(finding.text || finding.message, finding.text_zh || finding.message_zh)));
        if (finding.source) {
          var source = element("small", "finding-source", labels.labelSource + " " + finding.source);
          item.append(element("br"), source);
        }
        list.appendChild(item);
      });
      details.appendChild(list);
      box.appendChild(details);
    }
  }

  function evaluate(lot) {
    var box = lot.querySelector("[data-whatif]");
    if (!evaluateUrl || !box || lot.hidden) return;
    var place = destination();
    var category = field(lot, "category").value;
    if (!place || !category) { clear(box); return; }
    var payload = {
      category: category,
      standard: field(lot, "standard").value || null,
      city: place.city,
      country: place.country || undefined,
      export_date: (exportInput && exportInput.value) || null,
      arrival_date: (arrivalInput && arrivalInput.value) || null,
      manufacture_date: field(lot, "manufactured_on").value || null,
      expiry_date: field(lot, "expires_on").value || null,
      attachments: attachmentKinds(lot),
      manufacturer_whitelisted: field(lot, "is_manufacturer_whitelisted").checked
    };
    var ticket = (lot._whatifTicket || 0) + 1;
    lot._whatifTicket = ticket;
    fetch(evaluateUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (response.status === 400) {
        // The facts contradict each other (say made after the chosen export date): say why.
        return response.json().then(function (body) {
          if (lot._whatifTicket !== ticket) return;
          clear(box);
          var fields = (body.error && body.error.fields) || {};
          var messages = Object.keys(fields).map(function (key) { return [].concat(fields[key]).join(" "); });
          box.appendChild(element("p", "whatif-error", form.dataset.labelCannotCheck + " " +
            (messages.join(" ") || (body.error && body.error.message) || "")));
        });
      }
      if (!response.ok) throw new Error(String(response.status));
      return response.json().then(function (data) {
        if (lot._whatifTicket === ticket) render(box, lot, data);
      });
    }).catch(function () {
      if (lot._whatifTicket === ticket) clear(box);  // no what-if is better than a broken form
    });
  }

  function schedule(lot) {
    clearTimeout(lot._whatifTimer);
    lot._whatifTimer = setTimeout(function () { evaluate(lot); }, 350);
  }

  var WATCHED = /-(category|standard|manufactured_on|expires_on|certificate_kind|certificates|test_reports|photos|is_manufacturer_whitelisted)$/;

  function wireLot(lot) {
    lot.addEventListener("change", function (event) {
      var name = event.target.name || "";
      if (/-category$/.test(name)) filterStandards(lot);
      if (WATCHED.test(name)) schedule(lot);
    });
    filterStandards(lot);
  }

  Array.prototype.forEach.call(lots.querySelectorAll("[data-lot]"), wireLot);
  renumber();
  var city = form.querySelector("[name=preferred_city]");
  if (city) city.addEventListener("change", function () { visibleLots().forEach(schedule); });
  [exportInput, arrivalInput].forEach(function (input) {
    if (input) input.addEventListener("change", function () { visibleLots().forEach(schedule); });
  });
  visibleLots().forEach(function (lot) { if (field(lot, "category").value) schedule(lot); });
})();
