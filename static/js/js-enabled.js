// GOV.UK Frontend's body classes, set before the page is drawn (so it loads without defer or
// async): `js-enabled` for styles that assume scripts run, `govuk-frontend-supported` where the
// browser runs the ES modules that initialise its components. A file, not inline, for the CSP.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
