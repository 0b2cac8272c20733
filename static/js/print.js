// A button with data-print opens the browser's print dialogue (a file, not an inline onclick,
// for the Content-Security-Policy).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
