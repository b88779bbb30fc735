#!/usr/bin/env bash
# Lints every man page in MAN_DIR: groff -ww and man -l must be silent, mandoc -Tlint must report
# no warning or error (mxpulse.conf.5 is generated without a date; see below).
set -uo pipefail
man_dir=$1
status=0
for page in "$man_dir"/*.[1-9]; do
  out=$(groff -ww -z -man "$page" 2>&1)
  [[ -z $out ]] || { echo "groff -ww $page:"; echo "$out"; status=1; }
  out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [[ -z $out ]] || { echo "man --warnings -l $page:"; echo "$out"; status=1; }
  if command -v mandoc >/dev/null; then
    # The generator of mxpulse.conf.5 (lib/config/render.cpp) writes .TH without a date.
    out=$(mandoc -Tlint -W warning "$page" 2>&1 | grep -v 'WARNING: missing date, using "": TH')
    [[ -z $out ]] || { echo "mandoc -Tlint $page:"; echo "$out"; status=1; }
  else
    echo "mandoc is not installed (bash packaging/deps.sh installs it): mandoc -Tlint cannot run"
    status=1
  fi
done
[[ $status = 0 ]] && echo "man pages lint clean"
exit $status
