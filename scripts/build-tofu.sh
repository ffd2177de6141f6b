#!/usr/bin/env bash
# Builds the OpenTofu binary the provider's acceptance tests run, into a cache folder outside the
# repository, and prints its path. A binary already there is reused, so only the first run is slow
# (about 5 minutes and 2 GB of module downloads on 2 cores); later runs take no time.
#
#   tofu="$(scripts/build-tofu.sh)"
#   TOFU_DIR=/some/dir scripts/build-tofu.sh     # another cache folder
#
# The release is pinned by terraform/tools/tofu/go.mod (and its go.sum), so every machine builds
# the same OpenTofu from the Go module proxy; nothing is downloaded from elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(awk '$1 == "github.com/opentofu/opentofu" { print $2; exit }' terraform/tools/tofu/go.mod)"
if [ -z "$version" ]; then
	echo "build-tofu: no github.com/opentofu/opentofu requirement in terraform/tools/tofu/go.mod" >&2
	exit 1
fi
dir="${TOFU_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/warehousesync/tofu-${version#v}}"
bin="$dir/tofu"
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$dir"
echo "build-tofu: building OpenTofu $version into $dir (slow the first time)" >&2
# Build to a temporary name and rename, so an interrupted build never leaves a binary that a
# later run would take as finished.
tmp="$(mktemp "$dir/tofu.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# dev=no is what OpenTofu's release builds set: the binary reports 1.10.10, not 1.10.10-dev.
(cd terraform/tools/tofu && go build -trimpath -ldflags "-X github.com/opentofu/opentofu/version.dev=no" \
	-o "$tmp" github.com/opentofu/opentofu/cmd/tofu)
mv "$tmp" "$bin"
trap - EXIT
echo "$bin"
