#!/usr/bin/env bash
# Installs the system packages synmix needs on Debian: the real dataset (Fashion-MNIST),
# a Vulkan driver for wgpu (Mesa's lavapipe when there is no GPU), Python's venv, and jq
# (scripts/synthetic-only.sh reads run results with it), and any packages named as arguments
# (the tests add Slurm).
set -euo pipefail
packages=(dataset-fashion-mnist mesa-vulkan-drivers python3-venv jq "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
