// The management pages' confirmations and select-all, kept out of the pages so their
// Content-Security-Policy allows no inline script.
document.addEventListener("submit", (event) => {
  const asking = event.submitter?.closest("[data-confirm]") || event.target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.dataset.confirm)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (all) document.querySelectorAll(all.dataset.selectAll).forEach((box) => { box.checked = all.checked; });
});
