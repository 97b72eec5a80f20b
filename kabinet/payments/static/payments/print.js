// «Печать» buttons: the page's own print stylesheet does the rest.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
