#!/usr/bin/env bash
# Installs, from Debian's packages, everything dlakit needs to build and test. Idempotent: packages already
# present are not touched, and apt is not called at all when nothing is missing. Run as root (or via sudo).
set -euo pipefail

# build: compiler tools, protobuf-c (ONNX parsing), onnx.proto, oneDNN (host FP32 Conv/Gemm/MatMul),
#        zlib (dla eval reads gzip IDX datasets)
# tests: ONNX backend test data, Fashion-MNIST
# models (scripts run with /usr/bin/python3): torch, torchvision, onnx, numpy
pkgs=(build-essential cmake pkg-config
      libprotobuf-c-dev protobuf-c-compiler libonnx-dev libdnnl-dev zlib1g-dev
      libonnx-testdata dataset-fashion-mnist
      python3-numpy python3-onnx python3-torch python3-torchvision)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
