#!/bin/sh
# Installs mmsd from its packed tarballs (npm pack --workspaces) into a prefix:
#   packaging/install.sh PREFIX TARBALLS_DIR
# gives PREFIX/lib/mmsd (the packages and their dependencies from the npm registry) and
# PREFIX/bin/mmsd. The Dockerfile's build runs exactly this; the test suite runs it into a
# temporary prefix (test/install.test.ts), so what the image does is tested without a
# container engine.
set -eu
prefix=${1:?usage: install.sh PREFIX TARBALLS_DIR}
tarballs=${2:?usage: install.sh PREFIX TARBALLS_DIR}
tarballs=$(cd "$tarballs" && pwd)
lib="$prefix/lib/mmsd"
mkdir -p "$lib" "$prefix/bin"

# mmsd's own packages come from the tarballs, never from the registry: each is a dependency of
# the install and an override, so that the CLI's "@mmsd/core": "0.1.0" is this tarball too.
deps=""
for tgz in "$tarballs"/*.tgz; do
  name=$(tar -xOzf "$tgz" package/package.json | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).name))')
  deps="$deps\"$name\": \"file:$tgz\","
done
deps=${deps%,}
cat > "$lib/package.json" <<JSON
{ "name": "mmsd-install", "private": true, "dependencies": { $deps }, "overrides": { $deps } }
JSON
(cd "$lib" && npm install --omit=dev --omit=peer --no-audit --no-fund --loglevel=error)
ln -sf "$lib/node_modules/mmsd/bin/run.js" "$prefix/bin/mmsd"
"$prefix/bin/mmsd" --version
