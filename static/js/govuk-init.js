// Starts GOV.UK Frontend's components (skip link, error summary, buttons...) on every page.
// collectstatic rewrites this import to the hashed file (dmt.storage.StaticFilesStorage).
import { initAll } from "../dist/govuk-frontend.min.js";

initAll();
