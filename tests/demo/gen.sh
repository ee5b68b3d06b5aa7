#!/bin/sh
# SPDX-License-Identifier: MIT
#
# gen.sh N DIR: writes a small C project into DIR: N C files (N-1 files
# with one trivial function each and a main.c calling them all) and a copy
# of the Makefile next to this script. DIR is created when missing.
set -eu

if [ $# -ne 2 ] || ! [ "$1" -ge 1 ] 2>/dev/null; then
	echo "usage: gen.sh N DIR  (N >= 1 C files)" >&2
	exit 2
fi
n=$1
dir=$2
here=$(dirname -- "$0")

mkdir -p -- "$dir"
cp -- "$here/Makefile" "$dir/Makefile"

i=1
while [ "$i" -lt "$n" ]; do
	cat >"$dir/f$i.c" <<C
/* f$i(x): a sum of squares modulo $((i + 6)), something to compile. */
int f$i(int x);

int f$i(int x)
{
	int sum = 0;

	for (int k = 0; k < x + $i; k++)
		sum += k * k % $((i + 6));
	return sum;
}
C
	i=$((i + 1))
done

{
	echo '#include <stdio.h>'
	echo
	i=1
	while [ "$i" -lt "$n" ]; do
		echo "int f$i(int x);"
		i=$((i + 1))
	done
	echo
	echo 'int main(void)'
	echo '{'
	echo '	long total = 0;'
	echo
	i=1
	while [ "$i" -lt "$n" ]; do
		echo "	total += f$i(100);"
		i=$((i + 1))
	done
	printf '\tprintf("%%ld\\n", total);\n'
	echo '	return 0;'
	echo '}'
} >"$dir/main.c"
