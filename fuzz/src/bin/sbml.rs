//! SBML text -> her2sim_sbml::read_str -> her2sim_model::build -> Simulator::from_document ->
//! a short, bounded simulation selecting "time".

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            her2sim_fuzz::sbml_pipeline(text);
        }
    });
}
