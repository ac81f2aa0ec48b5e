//! PEtab conformance: the log-likelihood at nominal parameters of every problem of the shared
//! PEtab Benchmark Collection that has a reference value (README table of
//! `../shared/petab-benchmark`, mostly AMICI's), within AMICI's own criterion
//! (rtol = atol = 1e-3). A ratchet: every problem in `tests/conformance/petab-passing.txt`
//! must keep passing; newly passing ones are printed so the list can grow.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn benchmark_dir() -> PathBuf {
    root().join("../shared/petab-benchmark")
}

/// (problem, reference llh) from the README's table; rows without a number are skipped.
fn references() -> Vec<(String, f64)> {
    let readme = std::fs::read_to_string(benchmark_dir().join("README.md"))
        .expect("the PEtab benchmark README beside the checkout");
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | problem | species | reactions | parameters | conditions | measurements | llh | source |
            if cells.len() < 9 {
                return None;
            }
            let llh: f64 = cells[7].parse().ok()?;
            Some((cells[1].to_string(), llh))
        })
        .collect()
}

/// The problem's YAML file: `<ID>.yaml`, else `problem.yaml`.
fn problem_file(id: &str) -> PathBuf {
    let dir = benchmark_dir().join(id);
    let named = dir.join(format!("{id}.yaml"));
    if named.exists() {
        named
    } else {
        dir.join("problem.yaml")
    }
}

#[test]
fn nominal_log_likelihoods_match_the_references() {
    let refs = references();
    assert!(refs.len() >= 10, "README table not read: {refs:?}");
    let ratchet = std::fs::read_to_string(root().join("tests/conformance/petab-passing.txt"))
        .expect("tests/conformance/petab-passing.txt");
    let required: Vec<&str> = ratchet
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut passing = Vec::new();
    let mut report = String::new();
    for (id, reference) in &refs {
        let result = her2sim_petab::Problem::read(&problem_file(id))
            .and_then(|p| p.objective(&p.nominal_parameters()));
        let line = match result {
            Ok(o) => {
                let ok = (o.llh - reference).abs() <= 1e-3 + 1e-3 * reference.abs();
                if ok {
                    passing.push(id.as_str());
                }
                format!(
                    "{id:<40} llh {:>18.6} reference {:>18.6} {}\n",
                    o.llh,
                    reference,
                    if ok { "pass" } else { "FAIL" }
                )
            }
            Err(e) => format!("{id:<40} error: {e}\n"),
        };
        report.push_str(&line);
    }
    println!(
        "{report}PEtab benchmark: {}/{} match their reference",
        passing.len(),
        refs.len()
    );
    for id in &passing {
        if !required.contains(id) {
            println!("newly passing (add to the ratchet): {id}");
        }
    }
    let regressed: Vec<&&str> = required.iter().filter(|id| !passing.contains(id)).collect();
    assert!(regressed.is_empty(), "regressed: {regressed:?}\n{report}");
}
