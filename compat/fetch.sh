#!/usr/bin/env bash
# Checks out each role of compat/roles.txt at its commit into target/compat/NAME, laid out as
# molecule would run it: the playbook as converge.yml, the role under roles/ (or the collection
# under collections/ansible_collections/). Clones from GitHub, or from RCONF_COMPAT_MIRRORS
# (a directory of OWNER+NAME/repo git mirrors) when it has the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${CARGO_TARGET_DIR:-target}/compat"
mkdir -p "$out/src"
grep -v '^#' compat/roles.txt | while read -r name repo commit playbook install; do
  [ -n "$name" ] || continue
  src="$out/src/${repo//\//+}"
  if [ ! -d "$src/.git" ]; then
    mirror="${RCONF_COMPAT_MIRRORS:-}/${repo//\//+}/repo"
    if [ -n "${RCONF_COMPAT_MIRRORS:-}" ] && [ -d "$mirror" ]; then
      git clone -q "$mirror" "$src"
    else
      git clone -q "https://github.com/$repo" "$src"
    fi
  fi
  git -C "$src" -c advice.detachedHead=false checkout -q "$commit"
  dir="$out/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$src/$playbook" "$dir/converge.yml"
  prepare="$(dirname "$src/$playbook")/prepare.yml"
  [ -f "$prepare" ] && cp "$prepare" "$dir/prepare.yml"
  case $install in
    collection:*)
      coll=${install#collection:}
      mkdir -p "$dir/collections/ansible_collections/${coll%%.*}"
      ln -s "$(cd "$src" && pwd)" "$dir/collections/ansible_collections/${coll%%.*}/${coll#*.}"
      ;;
    *)
      mkdir -p "$dir/roles"
      ln -s "$(cd "$src" && pwd)" "$dir/roles/$install"
      ;;
  esac
  echo "compat: $name at ${commit:0:12} in $dir"
done
