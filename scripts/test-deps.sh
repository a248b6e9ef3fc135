#!/usr/bin/env bash
# Makes sure the Debian packages the test suite uses are present.
# As root it installs what is missing (apt-get); otherwise it prints the exact command and fails.
set -euo pipefail

# binary -> Debian package
declare -A need=(
  [mosquitto]=mosquitto
  [mosquitto_pub]=mosquitto-clients
  [victoria-metrics]=victoria-metrics
  [socat]=socat
  [protoc]=protobuf-compiler
  [chromium]=chromium
  [udevadm]=udev
  [xmllint]=libxml2-utils
  [dciodvfy]=dicom3tools
  [djpeg]=libjpeg-turbo-progs
)

missing=()
for bin in "${!need[@]}"; do
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ] && [ ! -x "/usr/bin/$bin" ]; then
    missing+=("${need[$bin]}")
  fi
done

# Python modules -> Debian package (the conformance suite reads DICOM exports with pydicom).
if ! /usr/bin/python3 -c 'import pydicom, numpy' >/dev/null 2>&1; then
  missing+=(python3-pydicom)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "test-deps: all Debian packages present (mosquitto, victoria-metrics, socat, protoc, chromium, udev, xmllint, dciodvfy, djpeg, pydicom)"
  exit 0
fi

# de-duplicate, stable order
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
cmd="apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "test-deps: missing Debian packages: ${missing[*]}" >&2
  echo "test-deps: install them with: sudo apt-get update && sudo $cmd" >&2
  exit 1
fi

echo "test-deps: installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq ${missing[*]} >/dev/null
echo "test-deps: installed ${missing[*]}"
