# gen_sort_input.awk: writes N deterministic lines "KEY,NUMBER,WORD" for the
# sort trace. Usage: awk -v n=200000 -f gen_sort_input.awk > input.txt
BEGIN {
    if (n == "") n = 200000
    seed = 7
    for (i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648
        k = int(seed / 65536)
        printf "key%05d,%d,%s\n", k % 50000, (k * 31) % 100003, substr("lorem ipsum dolor sit amet consectetur", 1 + k % 20, 3 + k % 15)
    }
}
