// Builds static/dist: compiles our Sass against GOV.UK and MoJ Frontend, copies their JavaScript.
// Run with `npm run build` (the Makefile does it); the output is not committed.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "static", "dist");
mkdirSync(dist, { recursive: true });

const css = sass.compile(join(root, "static", "scss", "app.scss"), {
  loadPaths: [root],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(dist, "app.css"), css.css);

const copies = [
  ["govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk-frontend.min.js"],
  ["@ministryofjustice/frontend/moj/moj-frontend.min.js", "moj-frontend.min.js"],
];
for (const [from, to] of copies) {
  copyFileSync(join(root, "node_modules", from), join(dist, to));
}
console.log(`built ${dist}: app.css (${css.css.length} bytes) and ${copies.length} scripts`);
