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
        (1001..=1501).contains(&rows) && (rows - 1) % 100 == 0,
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
    unsafe_kill(child.id());
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(names(&d).is_empty(), "left behind: {:?}", names(&d));
    std::fs::remove_dir_all(&d).unwrap();
}

fn unsafe_kill(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}
