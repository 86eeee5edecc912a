#!/usr/bin/env bash
# Builds the native NBIS library (MINDTCT minutiae extraction + Bozorth3 matching) that the `afis`
# package binds with ctypes but does not ship in its wheel: downloads the sdist of the installed afis
# version from the package index, compiles native/ with the machine's C compiler and puts
# libafis_lfs.so where afis looks for it (afis/_native/). Nothing of afis is copied into this repository.
set -euo pipefail
PY=${1:-.venv/bin/python}
site=$($PY -c 'import afis, pathlib; print(pathlib.Path(afis.__file__).parent)')
version=$($PY -c 'import importlib.metadata as m; print(m.version("afis"))')
[ -f "$site/_native/libafis_lfs.so" ] && exit 0
work=var/build/afis-$version
mkdir -p var/data var/build
[ -f "var/data/afis-$version.tar.gz" ] || \
  $PY -m pip download --quiet --no-deps --no-binary afis --dest var/data "afis==$version"
rm -rf "$work" && tar -xzf "var/data/afis-$version.tar.gz" -C var/build
make -s -C "$work/native" CC="${CC:-cc}" >/dev/null
cp "$work/native/lib/libafis_lfs.so" "$site/_native/"
$PY -c 'from afis._native import loader; assert loader.available(), "libafis_lfs did not load"'
echo "afis native library built for afis $version"
