// Builds the console into dist/: one JavaScript bundle (esbuild), elkjs's
// layout worker, the stylesheet and the page. The node serves dist/ at GET /
// (api/static_assets.cpp); nothing is fetched from elsewhere at run time.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome110", "firefox110"],
  outfile: "dist/app.js",
  logLevel: "warning",
  legalComments: "linked",
});
copyFileSync("src/index.html", "dist/index.html");
copyFileSync("src/style.css", "dist/app.css");
// ELK's layout runs in a worker made from elkjs's own worker script.
copyFileSync("node_modules/elkjs/lib/elk-worker.min.js", "dist/elk-worker.min.js");
console.log("console: built dist/");
