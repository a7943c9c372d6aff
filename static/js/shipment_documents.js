// Live states of the customs documents on the staff shipment page (no inline script: CSP).
// Polls the status URL of each pack box while a document is queued or rendering.
(function () {
  "use strict";
  const PERIOD_MS = 2000;

  function update(box, data) {
    const progress = box.querySelector("progress");
    if (progress) {
      progress.max = Math.max(data.progress.total, 1);
      progress.value = data.progress.ready;
    }
    const text = box.querySelector("[data-progress-text]");
    if (text) {
      const template = window.gettext ? window.gettext("%(ready)s of %(total)s ready") : "%(ready)s of %(total)s ready";
      text.textContent = template.replace("%(ready)s", data.progress.ready).replace("%(total)s", data.progress.total);
    }
    data.documents.forEach((doc) => {
      const row = box.querySelector('[data-document-kind="' + doc.kind + '"]');
      if (!row) {
        return;
      }
      const state = row.querySelector("[data-state]");
      state.textContent = doc.state_label;
      state.className = "badge badge-" + doc.state;
      row.querySelector("[data-error]").textContent = doc.error || "";
      const cell = row.querySelector("[data-download]");
      if (doc.download_url && !cell.querySelector("a")) {
        const link = document.createElement("a");
        link.href = doc.download_url;
        link.textContent = window.gettext ? window.gettext("Download PDF") : "Download PDF";
        cell.replaceChildren(link);
      }
    });
    box.dataset.active = data.progress.active ? "1" : "0";
  }

  function poll(box) {
    if (box.dataset.active !== "1" || box.dataset.polling === "1") {
      return;
    }
    box.dataset.polling = "1";
    const tick = () => {
      fetch(box.dataset.documentsStatusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((data) => {
          update(box, data);
          if (data.progress.active) {
            window.setTimeout(tick, PERIOD_MS);
          } else {
            box.dataset.polling = "0";
          }
        })
        .catch(() => {
          box.dataset.polling = "0";
        });
    };
    window.setTimeout(tick, PERIOD_MS);
  }

  document.querySelectorAll("[data-documents-status-url]").forEach(poll);
})();
