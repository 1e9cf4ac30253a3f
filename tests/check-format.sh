#!/bin/bash
# Every C file is as .clang-format says.
set -eu
cd "$1"
files=$(find common read config state policy act publish daemon client tests bench -name '*.[ch]' 2>/dev/null | sort)
[ -n "$files" ] || { echo "no C files found in $1"; exit 1; }
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "$(echo "$files" | wc -l) files formatted"
