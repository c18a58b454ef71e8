#!/usr/bin/env bash
# Copy the built files of the npm packages in package-lock.json into yilian/static/vendor,
# with their licences, and record the versions. Run by `make vendor`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --silent
out=yilian/static/vendor
rm -rf "$out" && mkdir -p "$out"/{bootstrap,bootstrap-icons/fonts,htmx,echarts,hls.js,janus-gateway,webrtc-adapter,openseadragon,swagger-ui}
nm=node_modules
cp $nm/bootstrap/dist/css/bootstrap.min.css $nm/bootstrap/dist/js/bootstrap.bundle.min.js $nm/bootstrap/LICENSE "$out/bootstrap/"
cp $nm/bootstrap-icons/font/bootstrap-icons.min.css $nm/bootstrap-icons/LICENSE "$out/bootstrap-icons/"
cp $nm/bootstrap-icons/font/fonts/bootstrap-icons.woff2 $nm/bootstrap-icons/font/fonts/bootstrap-icons.woff "$out/bootstrap-icons/fonts/"
cp $nm/htmx.org/dist/htmx.min.js $nm/htmx.org/LICENSE "$out/htmx/"
cp $nm/echarts/dist/echarts.common.min.js $nm/echarts/LICENSE $nm/echarts/NOTICE "$out/echarts/"
cp $nm/hls.js/dist/hls.min.js $nm/hls.js/LICENSE "$out/hls.js/"
cp $nm/janus-gateway/npm/src/janus.js "$out/janus-gateway/"
# janus.js is MIT (its header says so); the package's COPYING is the Janus server's GPL.
sed -n '/The MIT License/,/OTHER DEALINGS/p' $nm/janus-gateway/npm/src/janus.js | sed 's/^\t//' >"$out/janus-gateway/LICENSE"
cp $nm/webrtc-adapter/out/adapter.js $nm/webrtc-adapter/LICENSE.md "$out/webrtc-adapter/"
cp $nm/openseadragon/build/openseadragon/openseadragon.min.js $nm/openseadragon/LICENSE.txt "$out/openseadragon/"
cp -r $nm/openseadragon/build/openseadragon/images "$out/openseadragon/"
# The API's browsable docs (/api/v1/docs): the bundle and its stylesheet, no initializer (ours
# is yilian/static/yilian/api-docs.js).
cp $nm/swagger-ui-dist/swagger-ui-bundle.js $nm/swagger-ui-dist/swagger-ui.css $nm/swagger-ui-dist/LICENSE $nm/swagger-ui-dist/NOTICE "$out/swagger-ui/"
# No source map is vendored: drop the references, or the production static storage
# (collectstatic with the manifest storage) fails on the missing files.
sed -i '/sourceMappingURL/d' "$out/swagger-ui/swagger-ui.css" "$out/openseadragon/openseadragon.min.js" \
  "$out/hls.js/hls.min.js" "$out/bootstrap/bootstrap.bundle.min.js" "$out/bootstrap/bootstrap.min.css"
node -e '
const fs = require("fs");
const lock = JSON.parse(fs.readFileSync("package-lock.json"));
const rows = Object.entries(lock.packages).filter(([k]) => k.startsWith("node_modules/"))
  .map(([k, v]) => `| ${k.slice(13)} | ${v.version} | ${v.license || ""} |`);
fs.writeFileSync(process.argv[1], "# Vendored front-end packages\n\nBuilt files copied from the npm registry by `make vendor`.\n\n| package | version | licence |\n|---|---|---|\n" + rows.join("\n") + "\n");
' "$out/VERSIONS.md"
echo "vendored into $out"
