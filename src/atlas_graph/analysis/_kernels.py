"""Compiled kernels of the analyses' searches, over a graph in CSR form (``indptr``, ``indices``).

Each kernel is a port of its pure-Python (or NetworkX) twin in `dismantling`, `robustness`, `centrality` and
`_adjacency`, with the same tie-breaking and the same order of floating-point sums, so it returns the same order,
curve or values: the twins stay the reference (and answer small graphs, where compiling or loading a kernel would
cost more than it saves), and tests hold the two to the same results. Numba
compiles them once per machine (``cache=True`` keeps the machine code beside this file, or in the user's cache).
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
from numba import njit

Array = Any
"""A one-dimensional numpy array of int64 (numba does not read annotations)."""


@njit(cache=True)
def lcc_curve(indptr: Array, indices: Array, order: Array) -> Array:
    """Return the LCC after each prefix of `order` removed (see `robustness._lcc_curve_indices`)."""
    n = order.shape[0]
    position = np.empty(n, np.int64)
    for i in range(n):
        position[order[i]] = i
    parent = np.arange(n)
    size = np.ones(n, np.int64)
    curve = np.zeros(n + 1, np.int64)
    best = 0
    for i in range(n - 1, -1, -1):
        root = order[i]
        for k in range(indptr[root], indptr[root + 1]):
            u = indices[k]
            if position[u] <= i:
                continue
            u = _find(parent, u)
            if u != root:
                root = _union(parent, size, root, u)
        if size[root] > best:
            best = size[root]
        curve[i] = best
    return curve


@njit(cache=True)
def adaptive_degree_order(indptr: Array, indices: Array) -> Array:
    """Return every node, highest degree first, degrees recomputed after each removal (ties: lowest number)."""
    n = indptr.shape[0] - 1
    degree = indptr[1:] - indptr[:-1]
    removed = np.zeros(n, np.bool_)
    heap = [(-degree[v], v) for v in range(n)]
    heapq.heapify(heap)
    order = np.empty(n, np.int64)
    count = 0
    while len(heap) > 0:
        neg, v = heapq.heappop(heap)
        if removed[v] or -neg != degree[v]:
            continue
        removed[v] = True
        order[count] = v
        count += 1
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if not removed[u]:
                degree[u] -= 1
                heapq.heappush(heap, (-degree[u], u))
    return order


@njit(cache=True)
def _find(parent: Array, x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        following = parent[x]
        parent[x] = root
        x = following
    return root


@njit(cache=True)
def _union(parent: Array, size: Array, root: int, other: int) -> int:
    """Join the clusters of the roots `root` and `other`, the smaller under the larger (ties: `other` under
    `root`, as the twins do), and return the joined cluster's root."""
    if size[other] > size[root]:
        root, other = other, root
    parent[other] = root
    size[root] += size[other]
    return root


@njit(cache=True)
def _exact(
    v: int,
    indptr: Array,
    indices: Array,
    added: Array,
    parent: Array,
    size: Array,
    mark: Array,
    stamp: int,
    special: int,
) -> tuple[int, bool, int]:
    """The key of `v` (1 + the clusters it would join, the special one left out), whether it touches the special
    cluster, and the stamp used."""
    stamp += 1
    key = 1
    touch = False
    for k in range(indptr[v], indptr[v + 1]):
        u = indices[k]
        if added[u]:
            r = _find(parent, u)
            if mark[r] != stamp:
                mark[r] = stamp
                if r == special:
                    touch = True
                else:
                    key += size[r]
    return key, touch, stamp


@njit(cache=True)
def reverse_greedy(
    indptr: Array, indices: Array, stage_nodes: Array, stage_starts: Array, rank: Array, max_checks: int
) -> Array:
    """Return the removal order of `dismantling._reverse_greedy`; stage ``s`` is
    ``stage_nodes[stage_starts[s]:stage_starts[s + 1]]``."""
    n = indptr.shape[0] - 1
    parent = np.arange(n)
    size = np.ones(n, np.int64)
    # Members of each cluster as a linked list (first, last, next), appended in the order of the Python lists.
    first = np.arange(n)
    last = np.arange(n)
    following = np.full(n, -1, np.int64)
    added = np.zeros(n, np.bool_)
    active = np.zeros(n, np.bool_)
    unadded = indptr[1:] - indptr[:-1]
    mark = np.zeros(n, np.int64)
    stamp = 0
    version = np.zeros(n, np.int64)
    checks = np.zeros(n, np.int64)
    bound = np.zeros(n, np.int64)
    special = -1
    outside = [(0, 0, 0, 0, 0)]
    touching = [(0, 0, 0, 0, 0)]
    outside.clear()
    touching.clear()
    order = np.empty(n, np.int64)
    count = 0
    max_degree = 0
    for v in range(n):
        max_degree = max(max_degree, indptr[v + 1] - indptr[v])
    merged = np.empty(max_degree + 2, np.int64)
    drop = np.zeros(n, np.int64)
    dropped = np.zeros(n, np.int64)
    drop_stamp = 0
    drops = np.empty(n, np.int64)
    stage = np.empty(n, np.int64)

    for s in range(stage_starts.shape[0] - 1):
        left = 0
        for i in range(stage_starts[s], stage_starts[s + 1]):
            v = stage_nodes[i]
            if not added[v]:
                stage[left] = v
                left += 1
                active[v] = True
        stage_size = left
        rebuild = True
        while left:
            if rebuild:
                rebuild = False
                outside.clear()
                touching.clear()
                for i in range(stage_size):
                    v = stage[i]
                    if not added[v]:
                        key, touch, stamp = _exact(v, indptr, indices, added, parent, size, mark, stamp, special)
                        version[v] += 1
                        bound[v] = key
                        entry = (key, unadded[v], rank[v], v, version[v])
                        if touch:
                            touching.append(entry)
                        else:
                            outside.append(entry)
                heapq.heapify(outside)
                heapq.heapify(touching)
            # settle(outside, False), then settle(touching, True)
            for expected in (False, True):
                heap = touching if expected else outside
                while len(heap) > 0:
                    key0, tie0, _, v, ver = heap[0]
                    if added[v] or ver != version[v]:
                        heapq.heappop(heap)
                        continue
                    key, touch, stamp = _exact(v, indptr, indices, added, parent, size, mark, stamp, special)
                    if touch == expected and checks[v] >= max_checks:
                        break
                    checks[v] += 1
                    if touch != expected or key != key0 or tie0 != unadded[v]:
                        heapq.heappop(heap)
                        version[v] += 1
                        bound[v] = key
                        entry = (key, unadded[v], rank[v], v, version[v])
                        if touch:
                            heapq.heappush(touching, entry)
                        else:
                            heapq.heappush(outside, entry)
                        continue
                    break
            special_size = size[special] if special >= 0 else 0
            take_touching = False
            if len(touching) > 0:
                if len(outside) == 0:
                    take_touching = True
                else:
                    a0 = touching[0][0] + special_size
                    a1 = touching[0][1]
                    b0 = outside[0][0]
                    b1 = outside[0][1]
                    take_touching = a0 < b0 or (a0 == b0 and a1 < b1)
            if take_touching:
                v = heapq.heappop(touching)[3]
            else:
                v = heapq.heappop(outside)[3]
            touch = take_touching
            added[v] = True
            active[v] = False
            order[count] = v
            count += 1
            left -= 1
            stamp += 1
            merges = 0
            for k in range(indptr[v], indptr[v + 1]):
                u = indices[k]
                unadded[u] -= 1
                if added[u]:
                    r = _find(parent, u)
                    if r != special and mark[r] != stamp:
                        mark[r] = stamp
                        merged[merges] = r
                        merges += 1
            dropping = 0
            drop_stamp += 1
            if touch:
                # Clusters about to join the special one leave the keys of their neighbours.
                for j in range(merges):
                    r = merged[j]
                    stamp += 1
                    x = first[r]
                    while x >= 0:
                        for k in range(indptr[x], indptr[x + 1]):
                            w = indices[k]
                            if active[w] and mark[w] != stamp:
                                mark[w] = stamp
                                if dropped[w] != drop_stamp:
                                    dropped[w] = drop_stamp
                                    drop[w] = 0
                                    drops[dropping] = w
                                    dropping += 1
                                drop[w] += size[r]
                        x = following[x]
                for k in range(indptr[v], indptr[v + 1]):
                    u = indices[k]
                    if active[u] and dropped[u] != drop_stamp:
                        dropped[u] = drop_stamp
                        drop[u] = 0
                        drops[dropping] = u
                        dropping += 1
                merged[merges] = special
                merges += 1
            root = v
            for j in range(merges):
                a = _find(parent, root)
                b = merged[j]
                if a == b:
                    continue
                root = _union(parent, size, a, b)
                absorbed = b if root == a else a
                following[last[root]] = first[absorbed]
                last[root] = last[absorbed]
            if touch:
                special = root
                for j in range(dropping):
                    w = drops[j]
                    key = max(1, bound[w] - drop[w])
                    version[w] += 1
                    bound[w] = key
                    heapq.heappush(touching, (key, unadded[w], rank[w], w, version[w]))
            else:
                for k in range(indptr[v], indptr[v + 1]):
                    u = indices[k]
                    if active[u]:
                        # only the tie changed; settle re-checks
                        version[u] += 1
                        heapq.heappush(outside, (bound[u], unadded[u], rank[u], u, version[u]))
                if size[root] >= 2 and (special < 0 or size[root] >= 2 * size[special]):
                    special = root
                    kept = 0
                    for i in range(stage_size):
                        if not added[stage[i]]:
                            stage[kept] = stage[i]
                            kept += 1
                    stage_size = kept
                    rebuild = True
    return order[::-1].copy()


@njit(cache=True)
def subset_betweenness(indptr: Array, indices: Array, sources: Array, is_target: Array) -> Array:
    """Return what `networkx.betweenness_centrality_subset` sums per node before its rescaling, for `sources`.

    The breadth-first search visits the neighbours in CSR order and the dependencies are accumulated in reverse
    visit order, as NetworkX does on a graph whose adjacency has that order, so the sums are the same floats.
    """
    n = indptr.shape[0] - 1
    through = np.zeros(n, np.float64)
    distance = np.full(n, -1, np.int64)
    sigma = np.zeros(n, np.float64)
    delta = np.zeros(n, np.float64)
    visited = np.empty(n, np.int64)
    for s in sources:
        distance[s] = 0
        sigma[s] = 1.0
        visited[0] = s
        head = 0
        tail = 1
        while head < tail:
            v = visited[head]
            head += 1
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if distance[w] < 0:
                    distance[w] = distance[v] + 1
                    visited[tail] = w
                    tail += 1
                if distance[w] == distance[v] + 1:
                    sigma[w] += sigma[v]
        for i in range(tail - 1, -1, -1):
            w = visited[i]
            if is_target[w] and w != s:
                coefficient = (delta[w] + 1.0) / sigma[w]
            else:
                coefficient = delta[w] / sigma[w]
            for k in range(indptr[w], indptr[w + 1]):
                v = indices[k]
                if distance[v] == distance[w] - 1:
                    delta[v] += sigma[v] * coefficient
            if w != s:
                through[w] += delta[w]
        for i in range(tail):
            w = visited[i]
            distance[w] = -1
            sigma[w] = 0.0
            delta[w] = 0.0
    return through


@njit(cache=True)
def reach_closure(indptr: Array, indices: Array, marks: Array, removed: Array, inside: Array, settled: Array) -> Array:
    """Return `_adjacency.reach_closure` with bit sets of at most 64 bits (uint64): per node, the or of the marks
    of all it reaches. Only `inside` nodes are searched; their successors outside take their closure from
    `settled`. `removed` nodes are absent."""
    n = indptr.shape[0] - 1
    closure = np.zeros(n, np.uint64)
    index = np.full(n, -1, np.int64)
    lowlink = np.zeros(n, np.int64)
    on_stack = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int64)
    depth = 0
    work_node = np.empty(n, np.int64)
    work_next = np.empty(n, np.int64)
    top = 0
    counter = 0
    for root in range(n):
        if index[root] >= 0 or removed[root] or not inside[root]:
            continue
        index[root] = counter
        lowlink[root] = counter
        counter += 1
        stack[depth] = root
        depth += 1
        on_stack[root] = True
        work_node[0] = root
        work_next[0] = indptr[root]
        top = 1
        while top:
            v = work_node[top - 1]
            descended = False
            while work_next[top - 1] < indptr[v + 1]:
                w = indices[work_next[top - 1]]
                work_next[top - 1] += 1
                if removed[w] or not inside[w]:
                    continue
                if index[w] < 0:
                    index[w] = counter
                    lowlink[w] = counter
                    counter += 1
                    stack[depth] = w
                    depth += 1
                    on_stack[w] = True
                    work_node[top] = w
                    work_next[top] = indptr[w]
                    top += 1
                    descended = True
                    break
                if on_stack[w] and index[w] < lowlink[v]:
                    lowlink[v] = index[w]
            if descended:
                continue
            top -= 1
            if top:
                parent = work_node[top - 1]
                if lowlink[v] < lowlink[parent]:
                    lowlink[parent] = lowlink[v]
            if lowlink[v] != index[v]:
                continue
            start = depth - 1
            while stack[start] != v:
                start -= 1
            mask = np.uint64(0)
            for i in range(start, depth):
                mask |= marks[stack[i]]
            for i in range(start, depth):
                member = stack[i]
                for k in range(indptr[member], indptr[member + 1]):
                    w = indices[k]
                    if removed[w] or on_stack[w]:
                        continue
                    mask |= closure[w] if inside[w] else settled[w]
            for i in range(start, depth):
                on_stack[stack[i]] = False
                closure[stack[i]] = mask
            depth = start
    return closure


@njit(cache=True)
def service_losses(
    indptr: Array,
    indices: Array,
    predecessor_indptr: Array,
    predecessor_indices: Array,
    marks: Array,
    is_actor: Array,
    nodes: Array,
    bits: int,
) -> tuple[Array, Array]:
    """For each of `nodes` removed alone: the actors that lose some marked kind they reached, and per kind (bit)
    how many lose it. Only the nodes upstream of the removed one are searched again (`ServiceAccess.changed_masks`).
    """
    n = indptr.shape[0] - 1
    nothing = np.zeros(n, np.bool_)
    everywhere = np.ones(n, np.bool_)
    empty = np.zeros(n, np.uint64)
    before = reach_closure(indptr, indices, marks, nothing, everywhere, empty)
    actors = np.zeros(nodes.shape[0], np.int64)
    per_kind = np.zeros((nodes.shape[0], bits), np.int64)
    frontier = np.empty(n, np.int64)
    for row in range(nodes.shape[0]):
        gone = nodes[row]
        upstream = np.zeros(n, np.bool_)
        frontier[0] = gone
        size = 1
        while size:
            size -= 1
            x = frontier[size]
            for k in range(predecessor_indptr[x], predecessor_indptr[x + 1]):
                u = predecessor_indices[k]
                if not upstream[u] and u != gone:
                    upstream[u] = True
                    frontier[size] = u
                    size += 1
        removed = np.zeros(n, np.bool_)
        removed[gone] = True
        after = reach_closure(indptr, indices, marks, removed, upstream, before)
        for actor in range(n):
            if not (is_actor[actor] and upstream[actor]):
                continue
            lost = before[actor] & ~after[actor]
            if lost:
                actors[row] += 1
                for bit in range(bits):
                    if lost >> np.uint64(bit) & np.uint64(1):
                        per_kind[row, bit] += 1
    return actors, per_kind


@njit(cache=True)
def removal_pieces(indptr: Array, indices: Array, nodes: Array) -> tuple[Array, Array]:
    """For each of `nodes` removed alone, the sizes of the pieces it leaves of its component (any order): piece
    sizes ``sizes[starts[r]:starts[r + 1]]`` for ``nodes[r]``. One breadth-first search per piece."""
    n = indptr.shape[0] - 1
    seen = np.zeros(n, np.int64)
    queue = np.empty(n, np.int64)
    sizes = [0]
    sizes.clear()
    starts = np.zeros(nodes.shape[0] + 1, np.int64)
    for row in range(nodes.shape[0]):
        gone = nodes[row]
        stamp = row + 1
        seen[gone] = stamp
        for k in range(indptr[gone], indptr[gone + 1]):
            start = indices[k]
            if seen[start] == stamp:
                continue
            seen[start] = stamp
            queue[0] = start
            head = 0
            tail = 1
            while head < tail:
                v = queue[head]
                head += 1
                for j in range(indptr[v], indptr[v + 1]):
                    w = indices[j]
                    if seen[w] != stamp:
                        seen[w] = stamp
                        queue[tail] = w
                        tail += 1
            sizes.append(tail)
        starts[row + 1] = len(sizes)
    return np.array(sizes, np.int64), starts


@njit(cache=True)
def removal_replay(indptr: Array, indices: Array, removals: Array) -> tuple[Array, Array]:
    """Return the connected pairs and the largest component after each prefix of `removals` (0..k removed), as
    `chokepoints._replay_removals` rebuilds them backwards with union-find."""
    n = indptr.shape[0] - 1
    present = np.zeros(n, np.bool_)
    held_back = np.zeros(n, np.bool_)
    for i in removals:
        held_back[i] = True
    parent = np.arange(n)
    size = np.ones(n, np.int64)
    k = removals.shape[0]
    pairs = np.zeros(k + 1, np.int64)
    largest = np.zeros(k + 1, np.int64)
    connected = 0
    biggest = 0
    for step in range(-1, k):
        # step -1 puts back every node but the removals; then the removals, last first.
        first = 0 if step < 0 else k - 1 - step
        last = n if step < 0 else first + 1
        for position in range(first, last):
            i = position if step < 0 else removals[position]
            if step < 0 and held_back[i]:
                continue
            present[i] = True
            root = i
            for j in range(indptr[i], indptr[i + 1]):
                if not present[indices[j]]:
                    continue
                other = _find(parent, indices[j])
                if other == root:
                    continue
                connected += size[root] * size[other]
                root = _union(parent, size, root, other)
            if size[root] > biggest:
                biggest = size[root]
        pairs[k - 1 - step] = connected
        largest[k - 1 - step] = biggest
    return pairs, largest
