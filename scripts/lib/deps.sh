# shellcheck shell=bash
# Installs the Debian packages that hnn's scripts need. Sourced by
# scripts/demo.sh and scripts/test.sh; not meant to be run on its own.
#
#   hnn_ensure_packages pkg...
#
# Checks which of the packages are missing (dpkg-query) and, only if some
# are: as root runs `apt-get update` and a non-interactive
# `apt-get install`; with password-less sudo does the same through sudo;
# otherwise prints the command to run and exits 1.

# What each script needs (used by the scripts that source this file).
# shellcheck disable=SC2034
HNN_DEMO_PACKAGES=(cmake ninja-build g++ libeigen3-dev zlib1g-dev ccache libcxxopts-dev)
HNN_TEST_PACKAGES=("${HNN_DEMO_PACKAGES[@]}" clang clang-format doctest-dev doxygen
  openmpi-bin libopenmpi-dev gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  emscripten chromium)

hnn_missing_packages() {
  local pkg
  for pkg in "$@"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

hnn_ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "hnn: not a Debian-based system; make sure these (or their equivalents) are installed:" >&2
    echo "  $*" >&2
    return 0
  fi

  local missing
  mapfile -t missing < <(hnn_missing_packages "$@")
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi

  local -a as_root
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    echo "hnn: missing packages, and no root rights to install them. Run:" >&2
    echo "sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi

  echo "hnn: installing missing packages: ${missing[*]}"
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}
