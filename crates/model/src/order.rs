//! Dependency ordering (topological sort) with cycle reporting.

/// Orders `nodes` so that each comes after the nodes it depends on. `deps(n)` lists the nodes
/// `n` reads; dependencies outside `nodes` are ignored. On a cycle returns the nodes in it.
pub fn topo_sort(
    nodes: &[usize],
    universe: usize,
    deps: impl Fn(usize) -> Vec<usize>,
) -> Result<Vec<usize>, Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Outside,
        New,
        Active,
        Done,
    }
    let mut mark = vec![Mark::Outside; universe];
    for &n in nodes {
        mark[n] = Mark::New;
    }
    let mut out = Vec::with_capacity(nodes.len());
    for &start in nodes {
        if mark[start] != Mark::New {
            continue;
        }
        // Iterative DFS: stack of (node, its deps, next dep index).
        let mut stack: Vec<(usize, Vec<usize>, usize)> = vec![(start, deps(start), 0)];
        mark[start] = Mark::Active;
        while let Some((node, ds, i)) = stack.last_mut() {
            if *i < ds.len() {
                let d = ds[*i];
                *i += 1;
                match mark[d] {
                    Mark::New => {
                        mark[d] = Mark::Active;
                        let dd = deps(d);
                        stack.push((d, dd, 0));
                    }
                    Mark::Active => {
                        let pos = stack.iter().position(|(n, _, _)| *n == d).unwrap_or(0);
                        return Err(stack[pos..].iter().map(|(n, _, _)| *n).collect());
                    }
                    _ => {}
                }
            } else {
                mark[*node] = Mark::Done;
                out.push(*node);
                stack.pop();
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_chain_and_reports_cycle() {
        let deps = |n: usize| match n {
            0 => vec![1],
            1 => vec![2],
            _ => vec![],
        };
        assert_eq!(topo_sort(&[0, 1, 2], 3, deps), Ok(vec![2, 1, 0]));
        let cyc = |n: usize| vec![(n + 1) % 3];
        let err = topo_sort(&[0, 1, 2], 3, cyc).unwrap_err();
        assert_eq!(err.len(), 3);
    }
}
