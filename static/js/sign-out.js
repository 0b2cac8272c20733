// Signing out clears any copies of unsaved notes this device kept (they are special-category
// data); the server keeps its own drafts, which only their author is offered.
document.querySelectorAll("form[data-sign-out]").forEach((form) => {
  form.addEventListener("submit", () => {
    Object.keys(localStorage)
      .filter((name) => name.startsWith("dmt-draft:"))
      .forEach((name) => localStorage.removeItem(name));
  });
});
