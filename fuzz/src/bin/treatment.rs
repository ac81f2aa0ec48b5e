//! The dose / treatment grammar of her2sim-her2: `parse_dose` ("10ug/mL"), `parse_dose_series`
//! ("1nM..10uM:12", "1nM,10nM"), `Unit::parse`, and `Treatment::parse`
//! ("trastuzumab@10ug/mL+pertuzumab", "paclitaxel@5nM(0-24h)", "trastuzumab@clinical"),
//! followed by what the lab does with a parsed treatment (labels, hook values, change points)
//! and unit conversions of a parsed dose.

use her2sim_her2::{parse_dose, units::parse_dose_series, Actions, Catalogue, Treatment, Unit};

fn main() {
    let cat = Catalogue::builtin().expect("the built-in catalogue loads");
    let actions = Actions::builtin(&cat).expect("the built-in actions load");
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = Unit::parse(text);
        if let Ok(q) = parse_dose(text) {
            let _ = q.base_value();
            let _ = q.to_nanomolar(Some(581.1));
            for u in Unit::all() {
                let _ = q.to_unit(u.symbol, Some(145_000.0));
            }
            let _ = q.to_string();
        }
        let series = parse_dose_series(text);
        her2sim_fuzz::note(|| format!("dose: {:?}\nseries: {series:?}", parse_dose(text)));
        let parsed = Treatment::parse(text, &cat, &actions);
        her2sim_fuzz::note(|| match &parsed {
            Ok(t) => format!("treatment: {}", t.short_label()),
            Err(e) => format!("treatment: {e}"),
        });
        if let Ok(t) = parsed {
            let _ = t.short_label();
            let _ = t.dose_label();
            let _ = t.is_continuous();
            let _ = t.has_pk();
            let _ = t.hooks(&actions);
            let mut times = vec![0.0, 12.0, 24.0, 100.0, 8784.0];
            times.extend(t.change_points());
            for h in times {
                let _ = t.hooks_at(&actions, h);
            }
        }
    });
}
