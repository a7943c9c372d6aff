// Recipient portal: show two institution rows at first and one more per tap.
// Without JavaScript every row is shown, so nothing depends on this file.
(() => {
  const button = document.getElementById("add-row");
  if (!button) return;
  const spare = () => Array.from(document.querySelectorAll("[data-row].is-spare:not(.is-shown)"));
  const refresh = () => { button.hidden = spare().length === 0; };
  button.addEventListener("click", () => {
    const next = spare()[0];
    if (!next) return;
    next.classList.add("is-shown");
    const input = next.querySelector("input");
    if (input) input.focus();
    refresh();
  });
  refresh();
})();
