#!/bin/sh
# Fails when a C source differs from what clang-format (.clang-format) makes
# of it. Fix with: make format
set -eu
cd "$(dirname "$0")/.."
files=$(scripts/c-sources.sh)
clang-format --dry-run -Werror $files
echo "format: $(echo "$files" | wc -l) files clean"
