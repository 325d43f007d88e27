// The print buttons of the order page and the pick-list page: the browser's own print dialog.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
