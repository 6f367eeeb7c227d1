#!/usr/bin/env bash
# `edgewm play` in a real terminal: script(1) gives it a pseudo-TTY, so it takes the raw-mode
# path (poll, keys as they come, cursor hidden and restored). Keys arrive in bursts, as from a
# fast typist: "ww", then "sq" in one read must still be down, then quit.
# Usage: play_tty.sh EDGEWM MODEL OUT
set -euo pipefail
edgewm=$1 model=$2 out=$3
(sleep 1; printf 'ww'; sleep 1; printf 'sq'; sleep 2) |
  timeout 60 script -qec "'$edgewm' play '$model' --scale 1" /dev/null >"$out" 2>&1
grep -aq $'\x1b\[?25l' "$out" || { echo "raw mode was not entered (cursor not hidden)"; exit 1; }
grep -aq 'up  *frame' "$out" || { echo "no 'up' frame"; exit 1; }
grep -aq 'down  *frame' "$out" || { echo "'s' of the burst 'sq' was lost"; exit 1; }
grep -aq $'\x1b\[?25h' "$out" || { echo "terminal not restored after q"; exit 1; }
echo "play tty ok"
