// Builds dist/clinic-chat.js (one IIFE bundle, socket.io-client included) and dist/clinic-chat.css.
import { build } from "esbuild";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "dist");
const common = { bundle: true, minify: true, logLevel: "warning", legalComments: "eof" };

await build({
  ...common,
  entryPoints: [join(here, "src", "clinic-chat.js")],
  outfile: join(outdir, "clinic-chat.js"),
  format: "iife",
  platform: "browser",
  target: ["es2020"],
});
await build({
  ...common,
  entryPoints: [join(here, "src", "styles.css")],
  outfile: join(outdir, "clinic-chat.css"),
});

for (const name of ["clinic-chat.js", "clinic-chat.css"]) {
  console.log(`dist/${name}: ${(statSync(join(outdir, name)).size / 1024).toFixed(1)} KiB`);
}
