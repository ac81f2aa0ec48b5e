//! `her2sim strategies` and `her2sim cell-lines`: print the HER2 laboratory's sourced
//! catalogue (strategies; cell lines and resistance modifiers) as a table with details, or as
//! JSON. Every number is shown with its source tag.

use std::fmt::Write as _;

use her2sim_her2::catalogue::value_text;
use her2sim_her2::{Catalogue, CellLine, Measure, Modifier, Parameter, Potency, Strategy, Tag};

#[derive(clap::Args)]
pub struct StrategiesArgs {
    /// Show only this strategy (id or alias, e.g. `t-dm1`, `Kadcyla`).
    id: Option<String>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct CellLinesArgs {
    /// Show only this cell line or modifier (id or alias, e.g. `BT-474`, `p95her2`).
    id: Option<String>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
}

const WIDTH: usize = 96;

pub fn strategies(args: StrategiesArgs) -> anyhow::Result<()> {
    let cat = Catalogue::builtin()?;
    let chosen: Vec<&Strategy> = match &args.id {
        Some(id) => vec![cat.strategy(id)?],
        None => cat.strategies().iter().collect(),
    };
    let out = if args.json {
        let json = match chosen.as_slice() {
            [one] if args.id.is_some() => serde_json::to_string_pretty(one)?,
            all => serde_json::to_string_pretty(all)?,
        };
        format!("{json}\n")
    } else {
        let actions = her2sim_her2::Actions::builtin(&cat).map_err(|e| anyhow::anyhow!(e))?;
        strategies_text(&chosen, args.id.is_none(), &actions)
    };
    print!("{out}");
    Ok(())
}

pub fn cell_lines(args: CellLinesArgs) -> anyhow::Result<()> {
    let cat = Catalogue::builtin()?;
    let (lines, mods): (Vec<&CellLine>, Vec<&Modifier>) = match &args.id {
        None => (
            cat.cell_lines().iter().collect(),
            cat.modifiers().iter().collect(),
        ),
        Some(id) => match (cat.cell_line(id), cat.modifier(id)) {
            (Ok(l), _) => (vec![l], vec![]),
            (_, Ok(m)) => (vec![], vec![m]),
            (Err(e1), Err(e2)) => anyhow::bail!("{e1}\n{e2}"),
        },
    };
    let out = if args.json {
        let v = serde_json::json!({ "cell_lines": lines, "modifiers": mods });
        format!("{}\n", serde_json::to_string_pretty(&v)?)
    } else {
        let actions = her2sim_her2::Actions::builtin(&cat).map_err(|e| anyhow::anyhow!(e))?;
        cell_lines_text(&lines, &mods, args.id.is_none(), &actions)
    };
    print!("{out}");
    Ok(())
}

fn tag_text(tag: Tag, low_confidence: bool) -> String {
    if low_confidence {
        format!("{tag}, low confidence")
    } else {
        tag.to_string()
    }
}

/// Tag for table cells: `unverified*` marks low confidence (explained under the table).
fn tag_short(tag: Tag, low_confidence: bool) -> String {
    if low_confidence {
        format!("{tag}*")
    } else {
        tag.to_string()
    }
}

fn measure_short(m: &Measure) -> String {
    format!(
        "{} [{}]",
        m.display_value(),
        tag_short(m.tag, m.low_confidence)
    )
}

/// A receptor count for a table cell: the number without its unit (the header says it).
fn count_short(m: &Measure) -> String {
    format!(
        "{} [{}]",
        value_text(m.value, m.range),
        tag_short(m.tag, m.low_confidence)
    )
}

fn measure_long(m: &Measure) -> String {
    let mut s = format!(
        "{} [{}: {}]",
        m.display_value(),
        tag_text(m.tag, m.low_confidence),
        m.source
    );
    if let Some(n) = &m.note {
        let _ = write!(s, " ({n})");
    }
    s
}

fn potency_short(p: &Potency) -> String {
    format!(
        "{} {} {} [{}]",
        p.kind,
        p.target,
        p.display_value(),
        tag_short(p.tag, p.low_confidence)
    )
}

fn potency_long(p: &Potency) -> String {
    let mut s = format!(
        "{} {} = {} ({}) [{}: {}]",
        p.kind,
        p.target,
        p.display_value(),
        p.system,
        tag_text(p.tag, p.low_confidence),
        p.source
    );
    if let Some(n) = &p.note {
        let _ = write!(s, " ({n})");
    }
    s
}

fn parameter_long(p: &Parameter) -> String {
    let mut s = format!("{} = {}", p.name, p.display_value());
    if let Some(pop) = &p.population {
        let _ = write!(s, " ({pop})");
    }
    let _ = write!(s, " [{}: {}]", tag_text(p.tag, p.low_confidence), p.source);
    if let Some(n) = &p.note {
        let _ = write!(s, " ({n})");
    }
    s
}

/// Appends `text` wrapped to `WIDTH`, the first line after `label`, later lines indented.
fn wrapped(out: &mut String, label: &str, text: &str) {
    let indent = " ".repeat(label.chars().count());
    let mut line = label.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = indent.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// A plain table: columns padded to their widest cell.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<width$}  ", width = w[i]);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

fn strategies_text(list: &[&Strategy], summary: bool, actions: &her2sim_her2::Actions) -> String {
    let mut out = String::new();
    if summary {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|s| {
                let potency = match s.potency.split_first() {
                    None => "-".to_string(),
                    Some((p, [])) => potency_short(p),
                    Some((p, rest)) => format!("{} (+{} more)", potency_short(p), rest.len()),
                };
                vec![
                    s.id.clone(),
                    s.class.to_string(),
                    s.targets.join(", "),
                    s.default_dose.as_ref().map_or("-".into(), measure_short),
                    potency,
                ]
            })
            .collect();
        table(
            &mut out,
            &["ID", "CLASS", "TARGETS", "DEFAULT DOSE", "POTENCY"],
            &rows,
        );
        out.push_str(
            "\nTags: sourced = seen in a retrieved text; unverified = commonly quoted, not yet \
             checked against a primary text; * = low confidence.\n",
        );
    }
    for s in list {
        out.push('\n');
        let _ = writeln!(out, "{} ({}) — {}", s.id, s.class, s.name);
        wrapped(&mut out, "  mechanism:     ", &s.mechanism);
        if let Some(c) = &s.mechanism_source {
            let mut t = format!("[{}: {}]", tag_text(c.tag, c.low_confidence), c.source);
            if let Some(n) = &c.note {
                let _ = write!(t, " ({n})");
            }
            wrapped(&mut out, "    source:      ", &t);
        }
        wrapped(&mut out, "  targets:       ", &s.targets.join(", "));
        let dose = s.default_dose.as_ref().map_or("none".into(), measure_long);
        wrapped(&mut out, "  default dose:  ", &dose);
        if let Some(m) = &s.molecular_weight_g_per_mol {
            wrapped(&mut out, "  mol. weight:   ", &measure_long(m));
        }
        if let Some(c) = &s.clinical_dose {
            let t = format!(
                "{} [{}: {}]",
                c.text,
                tag_text(c.tag, c.low_confidence),
                c.source
            );
            wrapped(&mut out, "  clinical dose: ", &t);
        }
        for p in &s.potency {
            wrapped(&mut out, "  potency:       ", &potency_long(p));
        }
        for p in &s.pk {
            wrapped(&mut out, "  pk:            ", &parameter_long(p));
        }
        for p in &s.parameters {
            wrapped(&mut out, "  parameter:     ", &parameter_long(p));
        }
        if let Some(t) = &s.todo {
            wrapped(&mut out, "  todo:          ", t);
        }
        model_text(&mut out, s, actions);
    }
    out
}

/// How the strategy acts on the network model (models/her2/actions.toml, regimens.toml).
fn model_text(out: &mut String, s: &Strategy, actions: &her2sim_her2::Actions) {
    use her2sim_her2::actions::Response;
    if let Some((q, why)) = actions.default_dose(&s.id) {
        wrapped(out, "  study dose:    ", &format!("{q} ({why})"));
    }
    for e in actions.effects(&s.id) {
        let how = match &e.response {
            Response::Fixed(x) => format!("{} = {x} (fixed)", e.hook),
            Response::Concentration { ec50_nm, hill, max } => format!(
                "{} = {max} C^{hill} / (C^{hill} + {ec50_nm:.4} nM^{hill}){}; EC50 from {}",
                e.hook,
                e.site
                    .as_ref()
                    .map_or(String::new(), |site| format!(", competing for {site}")),
                e.basis
            ),
        };
        wrapped(out, "  in the model:  ", &format!("{how}. {}", e.reason));
    }
    if let Some(r) = actions.regimens().get(&s.id) {
        let t = format!(
            "\"{}@clinical\": {} ({}); PK: {}; exposure at the cells x{} ({})",
            s.id, r.dose, r.regimen_source, r.pk_source, r.exposure, r.exposure_reason
        );
        wrapped(out, "  regimen:       ", &t);
    }
}

fn cell_lines_text(
    lines: &[&CellLine],
    mods: &[&Modifier],
    summary: bool,
    actions: &her2sim_her2::Actions,
) -> String {
    let mut out = String::new();
    let opt = |m: &Option<Measure>| m.as_ref().map_or("-".to_string(), count_short);
    if summary && !lines.is_empty() {
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                vec![
                    l.id.clone(),
                    l.her2_status.clone(),
                    count_short(&l.her2_per_cell),
                    opt(&l.egfr_per_cell),
                    opt(&l.her3_per_cell),
                    l.doubling_time_h
                        .as_ref()
                        .map_or("-".to_string(), measure_short),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                "ID",
                "HER2 STATUS",
                "HER2/CELL",
                "EGFR/CELL",
                "HER3/CELL",
                "DOUBLING",
            ],
            &rows,
        );
        out.push_str(
            "\nReceptors per cell; counts differ 2-4x between assays and labs (order-of-magnitude \
             priors). * = low confidence.\n",
        );
    }
    for l in lines {
        out.push('\n');
        let _ = writeln!(out, "{} — {} ({})", l.id, l.name, l.her2_status);
        wrapped(
            &mut out,
            "  HER2/cell:     ",
            &measure_long(&l.her2_per_cell),
        );
        for m in &l.her2_per_cell_other {
            wrapped(&mut out, "    also:        ", &measure_long(m));
        }
        for (label, m) in [
            ("  EGFR/cell:     ", &l.egfr_per_cell),
            ("  HER3/cell:     ", &l.her3_per_cell),
            ("  doubling:      ", &l.doubling_time_h),
        ] {
            if let Some(m) = m {
                wrapped(&mut out, label, &measure_long(m));
            }
        }
        for (label, g) in [
            ("  PIK3CA:        ", &l.pik3ca),
            ("  PTEN:          ", &l.pten),
        ] {
            if let Some(g) = g {
                let t = format!(
                    "{} [{}: {}]",
                    g.status,
                    tag_text(g.tag, g.low_confidence),
                    g.source
                );
                wrapped(&mut out, label, &t);
            }
        }
        for p in &l.parameters {
            wrapped(&mut out, "  parameter:     ", &parameter_long(p));
        }
        if let Some(n) = &l.notes {
            wrapped(&mut out, "  notes:         ", n);
        }
        if let Some(t) = &l.todo {
            wrapped(&mut out, "  todo:          ", t);
        }
        if let Some((_, copies)) = her2sim_her2::panel::gene_copies(l) {
            let t = format!("her2_gene_copies = {copies:.2} (20 x HER2 per cell / 4.7e5: protein tracks copy number)");
            wrapped(&mut out, "  in the model:  ", &t);
        }
        settings_text(&mut out, actions.cell_line_settings(&l.id));
    }
    if !mods.is_empty() {
        if summary {
            out.push_str("\nResistance modifiers (applied on top of a cell line):\n");
        }
        for m in mods {
            out.push('\n');
            let _ = writeln!(out, "{} — {}", m.id, m.name);
            wrapped(&mut out, "  mechanism:     ", &m.description);
            let t = format!("[{}: {}]", tag_text(m.tag, m.low_confidence), m.source);
            wrapped(&mut out, "    source:      ", &t);
            for p in &m.parameters {
                wrapped(&mut out, "  parameter:     ", &parameter_long(p));
            }
            if let Some(t) = &m.todo {
                wrapped(&mut out, "  todo:          ", t);
            }
            settings_text(&mut out, actions.settings(&m.id));
        }
    }
    out
}

fn settings_text(out: &mut String, settings: &[her2sim_her2::actions::Setting]) {
    for s in settings {
        wrapped(
            out,
            "  in the model:  ",
            &format!("{} = {} ({})", s.param, s.value, s.reason),
        );
    }
}
