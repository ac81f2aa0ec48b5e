//! Study TOML -> Study::from_toml (parse and check against the built-in lab; never run).

use her2sim_her2::{study::Study, Lab};

fn main() {
    // Built once, before afl's fork server starts (`fuzz!` defers it), so every run shares it.
    let lab = Lab::builtin().expect("the built-in lab loads");
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            match Study::from_toml(text, "fuzz.toml", &lab) {
                Ok(study) => {
                    let n = study.run_count();
                    her2sim_fuzz::note(|| format!("study ok: {n} runs"));
                }
                Err(e) => her2sim_fuzz::note(|| format!("study: {e}")),
            }
        }
    });
}
