//! MathML -> the formula of an assignment rule of a minimal SBML L3v2 model -> the same
//! pipeline as the `sbml` target. The input is a `<math>` element or MathML content
//! (wrapped into one).

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(math) = std::str::from_utf8(data) {
            her2sim_fuzz::sbml_pipeline(&her2sim_fuzz::wrap_math(math));
        }
    });
}
