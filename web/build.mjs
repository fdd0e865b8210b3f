// Bundle the buyer widget and the agent console into seabridge/web/static/.
// `node build.mjs` once; `node build.mjs --watch` while editing.
import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";

const out = new URL("../seabridge/web/static/", import.meta.url).pathname;
const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  logLevel: "warning",
};
const builds = [
  { entryPoints: { widget: "widget/index.ts" }, format: "iife", outdir: out },
  { entryPoints: { console: "console/index.tsx" }, format: "esm", outdir: out },
];

if (process.argv.includes("--watch")) {
  for (const b of builds) (await esbuild.context({ ...common, ...b })).watch();
  console.log("watching web/ for changes");
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
  for (const name of ["widget.js", "console.js"]) {
    const bytes = readFileSync(out + name);
    console.log(`${name}: ${bytes.length} bytes, ${gzipSync(bytes).length} gzipped`);
  }
}
