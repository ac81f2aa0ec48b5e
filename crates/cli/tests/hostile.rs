//! Hostile input, as a tester trying to break her2sim would give it (issue 9): every case
//! must end in a correct result or a clear error, never in lost user data, a panic or a hang.
//! Data loss first: report directories, output files, temporaries, inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn her2sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_her2sim"))
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("her2sim-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn suite_model(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/sbml-test-suite/semantic")
        .join(case)
        .join(format!("{case}-sbml-l3v2.xml"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    let out = her2sim().current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

const STUDY: &str = r#"name = "tiny"
days = 1
cell_lines = ["BT474"]
treatments = ["lapatinib"]
"#;

/// Item 1: `--out` never deletes a user's directory, `.`, `..` or through a symlink.
#[test]
fn report_out_never_deletes_user_files() {
    let d = scratch("out");
    std::fs::write(d.join("study.toml"), STUDY).unwrap();
    std::fs::create_dir(d.join("mine")).unwrap();
    std::fs::write(d.join("mine/thesis.tex"), "precious").unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    for out in ["mine", ".", "..", "sub/..", "./"] {
        let o = run_in(&d, &["run", "study.toml", "--quiet", "--out", out]);
        assert!(!o.status.success(), "--out {out} accepted");
        assert!(
            stderr(&o).contains(out.trim_end_matches('/')),
            "{}",
            stderr(&o)
        );
    }
    // Inside `sub`, `..` is the directory holding everything above.
    let o = run_in(
        &d.join("sub"),
        &["run", "../study.toml", "--quiet", "--out", ".."],
    );
    assert!(!o.status.success());
    assert_eq!(
        std::fs::read_to_string(d.join("mine/thesis.tex")).unwrap(),
        "precious"
    );
    assert_eq!(names(&d), vec!["mine", "study.toml", "sub"]);

    // Its own report is replaced; a link to it is refused, not followed.
    let o = run_in(&d, &["run", "study.toml", "--quiet", "--out", "rep"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("rep/index.html").exists());
    let o = run_in(&d, &["run", "study.toml", "--quiet", "--out", "rep"]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::os::unix::fs::symlink(d.join("rep"), d.join("link")).unwrap();
    let o = run_in(&d, &["run", "study.toml", "--quiet", "--out", "link"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    // A user's file put into a previous report protects it.
    std::fs::write(d.join("rep/notes.txt"), "mine").unwrap();
    let o = run_in(&d, &["run", "study.toml", "--quiet", "--out", "rep"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("rep/notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(names(&d), vec!["link", "mine", "rep", "study.toml", "sub"]);
    std::fs::remove_dir_all(&d).unwrap();
}

fn simulate_to(dir: &Path, out: &str, steps: &str) -> Output {
    let model = suite_model("00001");
    run_in(
        dir,
        &[
            "simulate",
            model.to_str().unwrap(),
            "--steps",
            steps,
            "-o",
            out,
        ],
    )
}

/// Item 2: unique temporaries; concurrent writers, planted links, unrelated `.tmp` files and
/// the input model are safe.
#[test]
fn output_files_are_written_safely() {
    let d = scratch("write");
    std::fs::write(d.join("results.csv.tmp"), "mine").unwrap();
    std::fs::write(d.join("victim"), "precious").unwrap();
    std::os::unix::fs::symlink(d.join("victim"), d.join("out.csv.tmp")).unwrap();
    let o = simulate_to(&d, "results.txt", "10");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = simulate_to(&d, "out.csv", "10");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("results.csv.tmp")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("victim")).unwrap(),
        "precious"
    );

    // Six concurrent runs with different row counts: the file is one run's whole output.
    let children: Vec<_> = (0..6)
        .map(|k| {
            let model = suite_model("00001");
            her2sim()
                .current_dir(&d)
                .args(["simulate", model.to_str().unwrap()])
                .args(["--steps", &(1000 + 100 * k).to_string(), "-o", "same.csv"])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let text = std::fs::read_to_string(d.join("same.csv")).unwrap();
    let rows = text.lines().count() - 1;
    assert!(
        (1001..=1501).contains(&rows) && (rows - 1).is_multiple_of(100),
        "{rows} rows"
    );
    let width = text.lines().next().unwrap().split(',').count();
    assert!(text.lines().all(|l| l.split(',').count() == width));

    // The input model is never the output, by any name.
    let model = d.join("model.xml");
    std::fs::copy(suite_model("00001"), &model).unwrap();
    let before = std::fs::read(&model).unwrap();
    std::os::unix::fs::symlink(&model, d.join("alias.xml")).unwrap();
    for out in ["model.xml", "alias.xml", "./model.xml"] {
        let o = run_in(&d, &["simulate", "model.xml", "-o", out]);
        assert!(!o.status.success(), "-o {out} overwrote the model");
        assert!(stderr(&o).contains("input file"), "{}", stderr(&o));
        let o = run_in(&d, &["scan", "model.xml", "--vary", "k1=1,2", "-o", out]);
        assert!(!o.status.success(), "scan -o {out} overwrote the model");
    }
    assert_eq!(std::fs::read(&model).unwrap(), before);
    assert!(!names(&d).iter().any(|n| n.ends_with(".her2sim-tmp")));
    std::fs::remove_dir_all(&d).unwrap();
}

/// Item 3: devices are streamed to, symlinks written through.
#[test]
fn devices_and_symlinks_behave_as_in_a_shell() {
    use std::os::unix::fs::FileTypeExt;
    let d = scratch("special");
    let o = simulate_to(&d, "/dev/null", "10");
    assert!(o.status.success(), "{}", stderr(&o));
    let m = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(m.file_type().is_char_device(), "/dev/null replaced");
    std::fs::write(d.join("real.csv"), "old").unwrap();
    std::os::unix::fs::symlink("real.csv", d.join("link.csv")).unwrap();
    let o = simulate_to(&d, "link.csv", "10");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(d.join("link.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(d.join("real.csv"))
            .unwrap()
            .lines()
            .count(),
        12
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// Item 4: a kill during the write leaves neither a partial output nor a temporary.
#[test]
fn killed_write_leaves_nothing_behind() {
    let d = scratch("kill");
    let model = suite_model("00001");
    let mut child = her2sim()
        .current_dir(&d)
        .args(["simulate", model.to_str().unwrap(), "--steps", "3000000"])
        .args(["-o", "big.csv"])
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut seen_temp = false;
    while started.elapsed() < std::time::Duration::from_secs(60) {
        if names(&d).iter().any(|n| n.ends_with(".her2sim-tmp")) {
            seen_temp = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(seen_temp, "never saw the temporary being written");
    // SIGTERM, as `kill` sends.
    terminate(child.id());
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(names(&d).is_empty(), "left behind: {:?}", names(&d));
    std::fs::remove_dir_all(&d).unwrap();
}

fn terminate(pid: u32) {
    // The shell's builtin `kill`: present wherever `sh` is.
    let ok = Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .unwrap();
    assert!(ok.success());
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="m">
<listOfCompartments><compartment id="C" size="1" constant="true"/></listOfCompartments>
"#;
const TAIL: &str = "</model></sbml>\n";
const MATH: &str = r#"<math xmlns="http://www.w3.org/1998/Math/MathML">"#;

fn species(id: &str, amount: &str) -> String {
    format!(
        r#"<species id="{id}" compartment="C" initialAmount="{amount}" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>"#
    )
}

/// A model with one species `S` decaying at rate k*S (mass action) plus `extra` elements.
fn decay_model(amount: &str, extra: &str) -> String {
    format!(
        r#"{HEAD}<listOfSpecies>{}</listOfSpecies>
<listOfParameters><parameter id="k" value="1" constant="true"/></listOfParameters>
<listOfReactions><reaction id="R" reversible="false"><listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
<kineticLaw>{MATH}<apply><times/><ci>k</ci><ci>S</ci></apply></math></kineticLaw></reaction></listOfReactions>
{extra}{TAIL}"#,
        species("S", amount)
    )
}

/// Writes `text` as a model in a scratch directory and runs her2sim with `args` after
/// `simulate MODEL`; returns the output.
fn simulate_text(dir: &Path, text: &str, args: &[&str]) -> Output {
    std::fs::write(dir.join("m.xml"), text).unwrap();
    let mut all = vec!["simulate", "m.xml"];
    all.extend_from_slice(args);
    run_in(dir, &all)
}

fn assert_fails_with(o: &Output, needle: &str) {
    assert!(
        !o.status.success(),
        "expected failure containing {needle:?}"
    );
    let e = stderr(o);
    assert!(e.contains(needle), "expected {needle:?} in: {e}");
    assert_eq!(e.trim().lines().count(), 1, "one message, once: {e}");
}

/// Item 5: silent wrong results become errors or correct results.
#[test]
fn no_silent_wrong_results() {
    let d = scratch("silent");
    // NaN start values are not zero.
    let o = simulate_text(&d, &decay_model("NaN", ""), &["--steps", "2"]);
    assert_fails_with(&o, "initial value of 'S' is NaN");
    let o = simulate_text(&d, &decay_model("1", ""), &["--set", "S=NaN"]);
    assert_fails_with(&o, "not a finite number");
    // A huge duration keeps every row, at the right times.
    let o = simulate_text(
        &d,
        &decay_model("1", ""),
        &["--duration", "1e308", "--steps", "4", "--select", "time"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let times: Vec<f64> = out.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    assert_eq!(times, vec![0.0, 2.5e307, 5e307, 7.5e307, 1e308]);
    // An id holding a line break is not an SBML id.
    let bad_id = decay_model("1", "").replace(r#"id="k""#, "id=\"k&#10;x\"");
    let o = simulate_text(&d, &bad_id, &[]);
    assert_fails_with(&o, "not a valid SBML identifier");
    // A negative delay is undefined.
    let delayed = format!(
        r#"{HEAD}<listOfSpecies>{}</listOfSpecies><listOfParameters><parameter id="p" constant="false"/></listOfParameters><listOfRules><assignmentRule variable="p">{MATH}<apply><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/delay">delay</csymbol><ci>S</ci><cn>-1</cn></apply></math></assignmentRule></listOfRules>{TAIL}"#,
        species("S", "1")
    );
    let o = simulate_text(&d, &delayed, &[]);
    assert_fails_with(&o, "non-negative");

    // Scans: one quantity twice, zero samples.
    std::fs::write(d.join("m.xml"), decay_model("1", "")).unwrap();
    let o = run_in(&d, &["scan", "m.xml", "--vary", "k=1,2", "--vary", "k=3,4"]);
    assert_fails_with(&o, "same quantity");
    let o = run_in(
        &d,
        &[
            "scan",
            "m.xml",
            "--vary",
            "S=1,2",
            "--sample",
            "[S]=uniform(1,2)",
        ],
    );
    assert_fails_with(&o, "same quantity");
    let o = run_in(
        &d,
        &[
            "scan",
            "m.xml",
            "--sample",
            "k=uniform(1,2)",
            "--samples",
            "0",
        ],
    );
    assert_fails_with(&o, "--samples must be at least 1");

    // A combination of three is not silently cut to two.
    let study = "cell_lines = [\"BT474\"]\ntreatments = [\"none\"]\ndays = 1\n[[combination]]\ncell_line = \"BT474\"\ntreatments = [\"lapatinib\", \"trastuzumab\", \"pertuzumab\"]\ndoses = [\"1nM,10nM\", \"1ug/mL,10ug/mL\", \"1ug/mL\"]\n";
    std::fs::write(d.join("s.toml"), study).unwrap();
    let o = run_in(&d, &["run", "s.toml", "--quiet", "--out", "r"]);
    assert_fails_with(&o, "exactly two, got 3");
    assert!(!d.join("r").exists());

    // A flat dose-response has no IC50 (and no zero-width interval pretending to be one).
    std::fs::write(
        d.join("flat.csv"),
        "dose,response\n0,1\n1,1\n2,1\n3,1\n4,1\n5,1\n",
    )
    .unwrap();
    let o = run_in(&d, &["dose-response", "--csv", "flat.csv"]);
    assert_fails_with(&o, "do not change with dose");
    std::fs::remove_dir_all(&d).unwrap();
}

/// Item 6, 8, 11: documents that would crash, hang or take quadratic time are refused fast.
#[test]
fn hostile_documents_are_refused_fast() {
    let d = scratch("documents");
    let deep_xml = decay_model(
        "1",
        &format!(
            "<annotation>{}{}</annotation>",
            "<a>".repeat(20_000),
            "</a>".repeat(20_000)
        ),
    );
    let o = simulate_text(&d, &deep_xml, &[]);
    assert_fails_with(&o, "nested deeper than 1000");
    let deep_math = format!(
        r#"{HEAD}<listOfParameters><parameter id="p" constant="false"/></listOfParameters><listOfRules><assignmentRule variable="p">{MATH}{}<cn>1</cn>{}</math></assignmentRule></listOfRules>{TAIL}"#,
        "<apply><plus/><cn>1</cn>".repeat(10_000),
        "</apply>".repeat(10_000)
    );
    let o = simulate_text(&d, &deep_math, &[]);
    assert_fails_with(&o, "nested deeper than 1000");
    let attrs: String = (0..100_000).map(|i| format!(" a{i}=\"1\"")).collect();
    let o = simulate_text(
        &d,
        &decay_model("1", "").replace("<model id=\"m\"", &format!("<model id=\"m\"{attrs}")),
        &[],
    );
    assert_fails_with(&o, "attributes");
    let entity = format!(
        "{}\n{}",
        r#"<?xml version="1.0"?><!DOCTYPE sbml [<!ENTITY big "xxxxxxxxxxxxxxxxxxxxxxxx">]>"#,
        decay_model("1", "<notes>&big;&big;</notes>").replacen(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            "",
            1
        )
    );
    let o = simulate_text(&d, &entity, &[]);
    assert_fails_with(&o, "entity");
    // Endless input and oversized files.
    let o = run_in(&d, &["simulate", "/dev/zero", "--max-input-mb", "1"]);
    assert_fails_with(&o, "input limit of 1 MB");
    // A doubling chain of function definitions (2^22 copies if inlined as a tree) shares
    // its repeated calls and runs: f0(x) = 2x, f_i(x) = 2 f_{i-1}(x), so f22(1) = 2^23.
    let mut fds = format!(
        r#"<functionDefinition id="f0">{MATH}<lambda><bvar><ci>x</ci></bvar><apply><times/><ci>x</ci><cn>2</cn></apply></lambda></math></functionDefinition>"#
    );
    for i in 1..=22 {
        fds += &format!(
            r#"<functionDefinition id="f{i}">{MATH}<lambda><bvar><ci>x</ci></bvar><apply><plus/><apply><ci>f{j}</ci><ci>x</ci></apply><apply><ci>f{j}</ci><ci>x</ci></apply></apply></lambda></math></functionDefinition>"#,
            j = i - 1
        );
    }
    let chain = format!(
        r#"{}<listOfFunctionDefinitions>{fds}</listOfFunctionDefinitions>{}<listOfParameters><parameter id="p" constant="false"/></listOfParameters><listOfRules><assignmentRule variable="p">{MATH}<apply><ci>f22</ci><cn>1</cn></apply></math></assignmentRule></listOfRules>{TAIL}"#,
        &HEAD[..HEAD.find("<listOfCompartments>").unwrap()],
        &HEAD[HEAD.find("<listOfCompartments>").unwrap()..]
    );
    let o = simulate_text(&d, &chain, &["--steps", "1", "--select", "p"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().nth(1), Some("8388608.0"), "{out}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// Item 7, 8: sizes a user gives are checked before allocating; SSA has a step budget.
#[test]
fn sizes_are_checked_before_allocating() {
    let d = scratch("sizes");
    std::fs::write(d.join("m.xml"), decay_model("1", "")).unwrap();
    for steps in ["1000000000", "18446744073709551615"] {
        let o = run_in(&d, &["simulate", "m.xml", "--steps", steps]);
        assert_fails_with(&o, "over the limit");
    }
    let o = run_in(
        &d,
        &["scan", "m.xml", "--vary", "k=0.1:10:18446744073709551615"],
    );
    assert_fails_with(&o, "over the limit");
    let o = run_in(
        &d,
        &[
            "scan",
            "m.xml",
            "--sample",
            "k=uniform(1,2)",
            "--samples",
            "1000000000",
        ],
    );
    assert_fails_with(&o, "more than");
    let o = run_in(
        &d,
        &[
            "scan",
            "m.xml",
            "--vary",
            "k=0.1:10:100000",
            "--steps",
            "10000",
        ],
    );
    assert_fails_with(&o, "over the limit");
    let o = run_in(
        &d,
        &[
            "dose-response",
            "--cell-line",
            "BT474",
            "--treatment",
            "lapatinib",
            "--doses",
            "1nM..10uM:18446744073709551615",
        ],
    );
    assert_fails_with(&o, "over the limit");
    let o = run_in(
        &d,
        &[
            "combo",
            "--cell-line",
            "BT474",
            "--treatment",
            "lapatinib",
            "--doses",
            "1nM..10uM:100000",
            "--treatment",
            "trastuzumab",
            "--doses",
            "1nM..10uM:100000",
        ],
    );
    assert_fails_with(&o, "over the limit");
    std::fs::write(d.join("s.toml"), "cell_lines = [\"BT474\"]\ntreatments = [\"none\"]\n[[dose_response]]\ncell_line = \"BT474\"\ntreatment = \"lapatinib\"\ndoses = \"1nM..10uM:18446744073709551615\"\n").unwrap();
    let o = run_in(&d, &["run", "s.toml", "--quiet", "--out", "r"]);
    assert_fails_with(&o, "over the limit");
    // 1e15 molecules: the stochastic run stops at its step budget.
    std::fs::write(d.join("big.xml"), decay_model("1e15", "")).unwrap();
    let o = run_in(
        &d,
        &[
            "simulate",
            "big.xml",
            "--method",
            "ssa",
            "--max-steps",
            "100000",
        ],
    );
    assert_fails_with(&o, "limit of 100000 steps");
    std::fs::remove_dir_all(&d).unwrap();
}

/// Item 12: messages name what is wrong.
#[test]
fn messages_name_the_right_option() {
    let d = scratch("messages");
    std::fs::write(d.join("m.xml"), decay_model("1", "")).unwrap();
    let o = run_in(&d, &["simulate", "m.xml", "--start", "NaN"]);
    assert_fails_with(&o, "start must be a finite number");
    let o = run_in(&d, &["simulate", "m.xml", "--max-memory-gb", "NaN"]);
    assert_fails_with(&o, "--max-memory-gb must be a finite number");
    std::fs::remove_dir_all(&d).unwrap();
}

/// Item 10: a model too large for dense linear algebra runs with the sparse LU within a
/// memory ceiling, or (with a method that needs dense matrices) is refused before allocating;
/// model loading and the stochastic simulator's dependency graph are linear in its size.
#[test]
fn huge_models_are_refused_or_run_without_quadratic_setup() {
    let d = scratch("huge");
    let n = 30_000;
    let species: String = (0..n).map(|i| species(&format!("S{i}"), "1")).collect();
    let reactions: String = (0..n - 1)
        .map(|i| {
            format!(
                r#"<reaction id="R{i}" reversible="false"><listOfReactants><speciesReference species="S{i}" stoichiometry="1" constant="true"/></listOfReactants><listOfProducts><speciesReference species="S{j}" stoichiometry="1" constant="true"/></listOfProducts><kineticLaw>{MATH}<apply><times/><cn>0.1</cn><ci>S{i}</ci></apply></math></kineticLaw></reaction>"#,
                j = i + 1
            )
        })
        .collect();
    let text = format!(
        "{HEAD}<listOfSpecies>{species}</listOfSpecies><listOfReactions>{reactions}</listOfReactions>{TAIL}"
    );
    // The chain S0 -> S1 -> ... at rate 0.1: S0 = e^(-0.1 t), S1 = (1 + 0.1 t) e^(-0.1 t).
    // A dense Jacobian alone would take 7.2 GB; the ceiling of 1 GB makes the test fail if the
    // run needed more.
    let o = simulate_text(
        &d,
        &text,
        &[
            "--steps",
            "2",
            "--duration",
            "4",
            "--select",
            "time,S0,S1",
            "--max-memory-gb",
            "1",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let last: Vec<f64> = out
        .lines()
        .last()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let e = (-0.4f64).exp();
    assert!((last[1] - e).abs() < 1e-6 * e, "S0 = {}", last[1]);
    assert!(
        (last[2] - 1.4 * e).abs() < 1e-6 * 1.4 * e,
        "S1 = {}",
        last[2]
    );
    let o = simulate_text(
        &d,
        &text,
        &["--steps", "2", "--select", "time,S0", "--method", "rodas4"],
    );
    assert_fails_with(&o, "dense Jacobian");
    let o = simulate_text(
        &d,
        &text,
        &[
            "--steps",
            "2",
            "--select",
            "time,S0",
            "--linear-solver",
            "dense",
        ],
    );
    assert_fails_with(&o, "dense Jacobian");
    let o = simulate_text(
        &d,
        &text,
        &[
            "--method",
            "ssa",
            "--steps",
            "2",
            "--duration",
            "0.5",
            "--select",
            "time,S1",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_dir_all(&d).unwrap();
}
