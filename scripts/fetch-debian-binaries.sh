#!/usr/bin/env bash
# Download (never install) a few Debian packages whose programs legitimately use a camera,
# a microphone, packet sockets, location, Wake-on-LAN or screen capture, and unpack them
# into DIR so `doorwatch scan` can be checked against real, well-known binaries.
#
# usage: scripts/fetch-debian-binaries.sh [DIR]     (default: .cache/debian-binaries)
# Idempotent: a package already unpacked into DIR is skipped.
set -euo pipefail

DIR="${1:-.cache/debian-binaries}"
PACKAGES=(
  alsa-utils          # arecord: microphone
  fswebcam            # camera (V4L2)
  ffmpeg              # camera through libavdevice
  libavdevice59       # the library ffmpeg reaches V4L2/ALSA through (bookworm's soname)
  netcat-traditional  # nc.traditional: -l and -e
  tcpdump             # packet socket and BPF filter
  libpcap0.8          # libpcap, which tcpdump links
  gpsd-clients        # gpspipe: location
  libgps28            # libgps, which gpspipe links
  etherwake           # Wake-on-LAN sender
  x11vnc              # screen capture served over the network
)

mkdir -p "$DIR/.unpacked"
DIR="$(cd "$DIR" && pwd)"

missing=()
for package in "${PACKAGES[@]}"; do
  [[ -e "$DIR/.unpacked/$package" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "all ${#PACKAGES[@]} packages already in $DIR"
  exit 0
fi

# apt-cache answers from the local lists; refresh them only when they do not know a package.
for package in "${missing[@]}"; do
  if ! apt-cache show "$package" >/dev/null 2>&1; then
    apt-get update -qq
    break
  fi
done

# The .deb files go to a scratch directory (not DIR, which is what gets scanned);
# apt-get download writes into the current directory, which the _apt user must be able to write.
debs="$(mktemp -d)"
trap 'rm -rf "$debs"' EXIT
chmod 0777 "$debs"
(cd "$debs" && apt-get download -qq "${missing[@]}")

for package in "${missing[@]}"; do
  deb="$(ls "$debs/${package}"_*.deb)"
  dpkg-deb -x "$deb" "$DIR"
  touch "$DIR/.unpacked/$package"
  echo "unpacked $(basename "$deb")"
done
