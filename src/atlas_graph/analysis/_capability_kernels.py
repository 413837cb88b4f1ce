"""Compiled kernels of the capability loss, over the dependency digraph in CSR form (``indptr``, ``indices``).

Numba compiles them once per machine (``cache=True`` keeps the machine code beside this file, or in the user's
cache). Small graphs run the same functions as plain Python (``py_func``): compiling or loading a kernel would cost
them more than it saves, and the unit tests then check the very code that runs on large graphs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

Array = Any
"""A numpy array (numba does not read annotations)."""


@njit(cache=True)
def single_removal_gains(
    succ_ptr: Array,
    succ_idx: Array,
    pred_ptr: Array,
    pred_idx: Array,
    has: Array,
    sup_ptr: Array,
    sup_idx: Array,
    supplies: Array,
    scope: Array,
    harm: Array,
    criticality: Array,
    aff_ptr: Array,
    aff_idx: Array,
    affiliates: bool,
) -> Array:
    """Return, per node, the weight of the (actor, capability) pairs that removing the node alone cuts.

    Per capability c, the nodes that reach c (``has[c]``) form a digraph against the dependencies, rooted at a
    virtual node that points at c's suppliers (``sup_idx[sup_ptr[c]:sup_ptr[c + 1]]``; ``supplies[v]`` is the
    capability v supplies, or -1). Removing v cuts a pair
    (a, c) exactly when every node whose route decides it (a, and under ``affiliates`` each affiliate of a that
    reaches c) loses its route, that is when v dominates them all: when v dominates their nearest common dominator.
    So one dominator tree per capability (Cooper, Harvey and Kennedy, "A simple, fast dominance algorithm", 2001)
    and subtree sums of the pairs' weights give every node's gain at once. A removed actor's own pairs are left
    out: they count in its own loss, whole.
    """
    n = succ_ptr.shape[0] - 1
    root = n
    gains = np.zeros(n, np.float64)
    post = np.empty(n + 1, np.int64)
    order = np.empty(n + 1, np.int64)
    idom = np.empty(n + 1, np.int64)
    depth = np.zeros(n + 1, np.int64)
    carried = np.zeros(n + 1, np.float64)
    own = np.zeros(n + 1, np.float64)
    stack = np.empty(n + 1, np.int64)
    cursor = np.empty(n + 1, np.int64)
    for c in range(has.shape[0]):
        reach = has[c]
        post[:] = -1
        idom[:] = -1
        # Depth-first post-order from the root: the root's children are c's suppliers, a node's children the
        # nodes that depend on it and reach c.
        count = 0
        top = 0
        stack[0] = root
        cursor[0] = sup_ptr[c]
        post[root] = -2  # on the stack
        while top >= 0:
            x = stack[top]
            k = cursor[top]
            child = -1
            if x == root:
                end = sup_ptr[c + 1]
                while k < end:
                    s = sup_idx[k]
                    k += 1
                    if post[s] == -1:
                        child = s
                        break
            else:
                end = pred_ptr[x + 1]
                while k < end:
                    p = pred_idx[k]
                    k += 1
                    if reach[p] and post[p] == -1:
                        child = p
                        break
            cursor[top] = k
            if child >= 0:
                post[child] = -2
                top += 1
                stack[top] = child
                cursor[top] = pred_ptr[child]
            else:
                post[x] = count
                order[count] = x
                count += 1
                top -= 1
        # Immediate dominators, in reverse post-order until nothing changes.
        idom[root] = root
        changed = True
        while changed:
            changed = False
            for i in range(count - 2, -1, -1):
                u = order[i]
                new = root if supplies[u] == c else -1
                for k in range(succ_ptr[u], succ_ptr[u + 1]):
                    w = succ_idx[k]
                    if not reach[w] or post[w] < 0 or idom[w] < 0:
                        continue
                    if new < 0:
                        new = w
                        continue
                    a = w
                    b = new
                    while a != b:
                        while post[a] < post[b]:
                            a = idom[a]
                        while post[b] < post[a]:
                            b = idom[b]
                    new = a
                if idom[u] != new:
                    idom[u] = new
                    changed = True
        depth[root] = 0
        for i in range(count - 2, -1, -1):
            u = order[i]
            depth[u] = depth[idom[u]] + 1
        for i in range(count):
            u = order[i]
            carried[u] = 0.0
            own[u] = 0.0
        # Each pair's weight sits at the nearest common dominator of the nodes that decide it.
        for a in scope:
            if not reach[a] or post[a] < 0:
                continue
            meet = a
            if affiliates:
                for k in range(aff_ptr[a], aff_ptr[a + 1]):
                    b = aff_idx[k]
                    if not reach[b] or post[b] < 0:
                        continue
                    u = meet
                    v = b
                    while depth[u] > depth[v]:
                        u = idom[u]
                    while depth[v] > depth[u]:
                        v = idom[v]
                    while u != v:
                        u = idom[u]
                        v = idom[v]
                    meet = u
            if meet == root:
                continue  # routes that share no node: no single removal cuts them all
            weight = harm[a] * criticality[c]
            carried[meet] += weight
            if meet == a:
                own[a] += weight
        # Post-order puts every node before its immediate dominator: subtree sums in one pass.
        for i in range(count - 1):
            u = order[i]
            if idom[u] != root:
                carried[idom[u]] += carried[u]
            gains[u] += carried[u] - own[u]
    return gains


@njit(cache=True)
def nearest_suppliers(
    pred_ptr: Array, pred_idx: Array, starts: Array, removed: Array, listed: int
) -> tuple[Array, Array]:
    """Return, per node, up to `listed` of the `starts` (suppliers, in order) it reaches without `removed`
    nodes, nearest first: ``(found, counts)``, node u's being ``found[u, :counts[u]]``.

    One breadth-first search from all the suppliers at once, against the dependencies, in which each node keeps
    the first `listed` suppliers that arrive: `LossModel.nearest_suppliers` in `capabilities`, step for step.
    """
    n = pred_ptr.shape[0] - 1
    width = max(listed, 1)
    found = np.full((n, width), -1, np.int64)
    counts = np.zeros(n, np.int64)
    # Each node enters a frontier at most `listed` times in all: two buffers of that size hold every level.
    nodes = np.empty(n * width + 1, np.int64)
    origins = np.empty(n * width + 1, np.int64)
    following_nodes = np.empty(n * width + 1, np.int64)
    following_origins = np.empty(n * width + 1, np.int64)
    size = 0
    if listed > 0:
        for s in starts:
            if not removed[s]:
                found[s, 0] = s
                counts[s] = 1
                nodes[size] = s
                origins[size] = s
                size += 1
    while size > 0:
        following = 0
        for i in range(size):
            u = nodes[i]
            supplier = origins[i]
            for k in range(pred_ptr[u], pred_ptr[u + 1]):
                p = pred_idx[k]
                if removed[p] or counts[p] >= listed:
                    continue
                seen = False
                for j in range(counts[p]):
                    if found[p, j] == supplier:
                        seen = True
                        break
                if seen:
                    continue
                found[p, counts[p]] = supplier
                counts[p] += 1
                following_nodes[following] = p
                following_origins[following] = supplier
                following += 1
        nodes, following_nodes = following_nodes, nodes
        origins, following_origins = following_origins, origins
        size = following
    return found, counts


@njit(cache=True)
def reach_without(
    pred_ptr: Array, pred_idx: Array, has: Array, sup_ptr: Array, sup_idx: Array, removed: Array, touched: Array
) -> Array:
    """Return per capability c and node u whether u still reaches c with the `removed` nodes gone (uint8 rows).

    ``has[c]`` flags the nodes that reach c before. A node still reaches c when a path of nodes that are not
    removed leads it to a supplier of c that is not removed; every node on such a path reached c before, so one
    breadth-first search per capability, from its remaining suppliers against the dependencies and within
    ``has[c]``, finds them all. Capabilities that no removed node reached (``touched[c] == 0``) are left as
    they were.
    """
    count, n = has.shape
    alive = np.zeros((count, n), np.uint8)
    queue = np.empty(n, np.int64)
    for c in range(count):
        reach = has[c]
        row = alive[c]
        if not touched[c]:
            row[:] = reach
            continue
        size = 0
        for k in range(sup_ptr[c], sup_ptr[c + 1]):
            s = sup_idx[k]
            if not removed[s] and not row[s]:
                row[s] = 1
                queue[size] = s
                size += 1
        head = 0
        while head < size:
            u = queue[head]
            head += 1
            for k in range(pred_ptr[u], pred_ptr[u + 1]):
                p = pred_idx[k]
                if reach[p] and not removed[p] and not row[p]:
                    row[p] = 1
                    queue[size] = p
                    size += 1
    return alive


@njit(cache=True)
def anchor_robust(
    indptr: Array, indices: Array, anchored: Array, removable: Array, cost: Array, room: float, starts: Array
) -> None:
    """`plans._anchor_robust` over a region's successors in CSR form (each node's in the order of its list):
    ``anchored`` (uint8) is set in place for the nodes whose routes no set of candidates within `room` can all cut.

    The same depth-first post-order from `starts`, and per node the same breadth-first searches of `plans._cut_bound`
    (routes found one at a time, each node's successors in order, the cheapest candidate of each summed in the same
    order), so the same nodes are anchored. Marks are stamps (the search's number), not arrays cleared per search.
    """
    n = indptr.shape[0] - 1
    seen = np.zeros(n, np.uint8)
    order = np.empty(n, np.int64)
    done = 0
    stack = np.empty(n, np.int64)
    position = np.empty(n, np.int64)
    for start in starts:
        if seen[start]:
            continue
        seen[start] = 1
        stack[0] = start
        position[0] = indptr[start]
        depth = 1
        while depth > 0:
            v = stack[depth - 1]
            pushed = False
            while position[depth - 1] < indptr[v + 1]:
                w = indices[position[depth - 1]]
                position[depth - 1] += 1
                if not seen[w]:
                    seen[w] = 1
                    stack[depth] = w
                    position[depth] = indptr[w]
                    depth += 1
                    pushed = True
                    break
            if not pushed:
                depth -= 1
                order[done] = v
                done += 1
    used = np.zeros(n, np.int64)
    reached = np.zeros(n, np.int64)
    parent = np.zeros(n, np.int64)
    frontier = np.empty(n, np.int64)
    following = np.empty(n, np.int64)
    search = 0
    route = 0
    for k in range(done):
        u = order[k]
        if anchored[u]:
            continue
        search += 1
        total = 0.0
        while True:
            route += 1
            reached[u] = route
            parent[u] = u
            frontier[0] = u
            size = 1
            end = -1
            while size > 0 and end < 0:
                count = 0
                for f in range(size):
                    x = frontier[f]
                    for e in range(indptr[x], indptr[x + 1]):
                        w = indices[e]
                        if reached[w] == route or used[w] == search:
                            continue
                        reached[w] = route
                        parent[w] = x
                        if anchored[w]:
                            end = w
                            break
                        following[count] = w
                        count += 1
                    if end >= 0:
                        break
                frontier, following = following, frontier
                size = count
            if end < 0:
                break
            cheapest = np.inf
            v = end
            while v != u:
                if removable[v] and cost[v] < cheapest:
                    cheapest = cost[v]
                used[v] = search
                v = parent[v]
            total += cheapest
            if total > room + 1e-9:
                break
        if total > room:
            anchored[u] = 1
