// Builds static/dist: compiles our Sass against GOV.UK and MoJ Frontend, copies their JavaScript
// (with its source maps) and every asset the compiled CSS refers to.
// Run with `npm run build` (the Makefile does it); the output is not committed.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const dist = join(root, "static", "dist");
// From scratch, so nothing a previous build left behind is collected and served.
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const css = sass.compile(join(root, "static", "scss", "app.scss"), {
  loadPaths: [root],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(dist, "app.css"), css.css);

// The minified scripts end in a sourceMappingURL comment, which collectstatic's manifest
// storage resolves like any other reference: the maps come too.
const scripts = [
  "govuk-frontend/dist/govuk/govuk-frontend.min.js",
  "@ministryofjustice/frontend/moj/moj-frontend.min.js",
];
for (const script of scripts) {
  for (const file of [script, `${script}.map`]) {
    copyFileSync(join(modules, file), join(dist, file.split("/").pop()));
  }
}

// The frameworks' Sass writes url(/static/dist/assets/...) for its images (app.scss sets the
// path). Copy exactly those, so every reference resolves when collectstatic hashes the CSS under
// the production settings; a reference neither package provides stops the build here.
const assetDirs = ["govuk-frontend/dist/govuk/assets", "@ministryofjustice/frontend/moj/assets"];
const referenced = new Set(
  [...css.css.matchAll(/url\(\s*["']?\/static\/dist\/assets\/([^"')?#\s]+)/g)].map((m) => m[1]),
);
for (const file of referenced) {
  const source = assetDirs.map((dir) => join(modules, dir, file)).find(existsSync);
  if (!source) {
    throw new Error(`app.css refers to dist/assets/${file}, which no front-end package provides`);
  }
  mkdirSync(dirname(join(dist, "assets", file)), { recursive: true });
  copyFileSync(source, join(dist, "assets", file));
}
console.log(
  `built ${dist}: app.css (${css.css.length} bytes), ${scripts.length} scripts, ` +
    `${referenced.size} assets`,
);
