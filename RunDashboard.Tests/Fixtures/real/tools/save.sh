#!/bin/bash
# usage: save.sh <mirror-name owner+repo> <path-in-repo> <dest relative to real/> <trainer> <licence> [trim-note]
# copies bytes of HEAD:<path> (untrimmed) and appends a provenance row; trimming is done separately.
M=/work/.mirror/$1/repo; R=/work/main/RunDashboard.Tests/Fixtures/real
C=${COMMIT:-$(git -C "$M" rev-parse HEAD)}
git -C "$M" show "$C:$2" > "$R/$3"
repo=${1/+//}
echo -e "$3\t$4\t$repo $2 @$C\t$5\t${6:-not trimmed ($(wc -l < "$R/$3") lines)}" >> $R/tools/sources.tsv
