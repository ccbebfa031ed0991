# stack_depth.awk: worst stack depth of a function from GCC's call-graph file
# (arm-none-eabi-gcc -fstack-usage -fcallgraph-info=su writes FILE.ci, a VCG
# graph whose nodes carry each function's frame size from -fstack-usage).
#
#   awk -v root=NAME_predict -f stack_depth.awk FILE.ci
# prints one line:
#   <bytes> <qualifier> <path> <external callees>
# where <bytes> is the largest sum of frame sizes along any call path from
# root, <qualifier> is "static" when every frame on the worst path has a
# fixed size (otherwise "dynamic"/"bounded" as GCC reports it), <path> is that
# path as f(frame)>g(frame), and <external callees> lists the functions
# reached that are defined elsewhere (libm): their frames are not in the file
# and not counted. Exits 2 on recursion or when root is not in the file.
function depth(f,    i, e, d, best, bpath) {
    if (f in memo) return memo[f]
    if (f in busy) { recursion = f; return 0 }
    busy[f] = 1
    best = 0; bpath = ""
    for (i = 1; i <= nedges[f]; ++i) {
        e = edge[f, i]
        if (!(e in size)) { external[e] = 1; continue }
        d = depth(e)
        if (d > best) { best = d; bpath = path[e] }
    }
    delete busy[f]
    memo[f] = size[f] + best
    path[f] = f "(" size[f] ")" (bpath == "" ? "" : ">" bpath)
    return memo[f]
}
/^node:/ {
    t = $0; sub(/.*title: "/, "", t); sub(/".*/, "", t)
    if ($0 ~ /[0-9]+ bytes \(/) {
        s = $0; sub(/.* bytes \(/, "", s); q = s; sub(/\).*/, "", q)
        n = $0; sub(/ bytes \(.*/, "", n); sub(/.*\\n/, "", n)
        size[t] = n + 0; qual[t] = q
    }
}
/^edge:/ {
    s = $0; sub(/.*sourcename: "/, "", s); sub(/".*/, "", s)
    d = $0; sub(/.*targetname: "/, "", d); sub(/".*/, "", d)
    edge[s, ++nedges[s]] = d
}
END {
    if (!(root in size)) { print "stack_depth.awk: " root " not in the call graph" > "/dev/stderr"; exit 2 }
    total = depth(root)
    if (recursion != "") { print "stack_depth.awk: recursion through " recursion > "/dev/stderr"; exit 2 }
    worst = "static"
    n = split(path[root], parts, ">")
    for (i = 1; i <= n; ++i) {
        f = parts[i]; sub(/\(.*/, "", f)
        if (qual[f] != "static") worst = qual[f]
    }
    ext = ""
    for (e in external) ext = ext (ext == "" ? "" : ",") e
    print total, worst, path[root], (ext == "" ? "-" : ext)
}
