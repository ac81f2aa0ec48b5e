use std::path::Path;
fn main() {
    let f = std::env::args().nth(1).unwrap();
    let p = her2sim_petab::Problem::read(Path::new(&f)).unwrap();
    let (_, x) = p.estimated_at_nominal();
    let t = std::time::Instant::now();
    let o = p.objective(&p.nominal_parameters()).unwrap();
    println!("objective {:?} in {:?}", o.llh, t.elapsed());
    let t = std::time::Instant::now();
    let g = p.objective_with_gradient(&x).unwrap();
    println!("gradient {} in {:?}", g.value, t.elapsed());
}
