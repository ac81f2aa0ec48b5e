//! The web server over real HTTP: each page and API endpoint requested from a server on a free
//! localhost port, answers checked against the library (the predict contract), the SBML Test
//! Suite (a simulated case against its reference results) and the limits (bad input is 400 with
//! the message, an oversized body 413, the time budget, unknown paths 404).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use her2sim_her2::{outputs, Lab};
use her2sim_web::Config;

/// Starts a server with `config` on a free port; it runs until the test process ends.
fn start(config: Config) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let addr = listener.local_addr().expect("local address");
    std::thread::spawn(move || her2sim_web::serve_std(listener, config));
    addr
}

/// The server shared by the tests (default limits).
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| start(Config::default()))
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// One HTTP/1.1 request (`Connection: close`), the whole reply read.
fn request(addr: SocketAddr, method: &str, path: &str, ctype: &str, body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(300))).ok();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !ctype.is_empty() {
        head.push_str(&format!("Content-Type: {ctype}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("send head");
    // The server may answer (413) and close before reading a large body.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (headers, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no reply to {method} {path}: {text:?}"));
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Reply {
        status,
        headers: headers.to_string(),
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn get(path: &str) -> Reply {
    request(server(), "GET", path, "", b"")
}

fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| Lab::builtin().expect("the built-in laboratory"))
}

fn suite_case(case: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/sbml-test-suite/semantic")
        .join(case)
        .join(file)
}

fn multipart(fields: &[(&str, Option<&str>, &str)]) -> (String, Vec<u8>) {
    let boundary = "----her2simTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, filename, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/xml\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The same predict object: equal keys and strings, numbers equal to 1e-12 relative (the
/// solver's history inside a shared laboratory moves the last digits).
fn same_prediction(got: &serde_json::Value, want: &serde_json::Value) {
    let (g, w) = (got.as_object().unwrap(), want.as_object().unwrap());
    assert_eq!(
        g.keys().collect::<Vec<_>>(),
        w.keys().collect::<Vec<_>>(),
        "{got}"
    );
    for (k, wv) in w {
        match (g[k].as_f64(), wv.as_f64()) {
            (Some(a), Some(b)) => assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1e-300),
                "{k}: {a} vs {b}"
            ),
            // Nested objects (the absolute values) compare the same way.
            _ if wv.is_object() => same_prediction(&g[k], wv),
            _ => assert_eq!(&g[k], wv, "{k}"),
        }
    }
}

/// `/api/predict` answers the library's `prediction_json` for the same condition.
#[test]
fn predict_api_is_the_library_contract() {
    let r = get("/api/predict?cell_line=BT474&modifier=pten-loss&treatment=trastuzumab%4010ug%2FmL%2Bpertuzumab&days=3");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    let l = lab();
    let cond = l.condition("BT474", &["pten-loss".into()]).unwrap();
    let t = l.treatment("trastuzumab@10ug/mL+pertuzumab").unwrap();
    let want = outputs::prediction_json(&l.predict(&cond, &t, 3.0).unwrap());
    same_prediction(&r.json(), &want);
    // The same as a POSTed JSON object.
    let body = br#"{"cell_line": "bt474", "modifiers": ["pten-loss"], "treatment": "trastuzumab@10ug/mL+pertuzumab", "days": 3}"#;
    let p = request(server(), "POST", "/api/predict", "application/json", body);
    assert_eq!(p.status, 200, "{}", p.body);
    same_prediction(&p.json(), &want);
    let v = want["viable_cells"].as_f64().unwrap();
    assert!(v > 0.0 && v < 1.0, "{v}");
}

#[test]
fn predict_api_errors_are_400_with_the_message() {
    let r = get("/api/predict?cell_line=BT47&treatment=trastuzumab");
    assert_eq!(r.status, 400);
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(
        msg.contains("unknown cell line") && msg.contains("bt474"),
        "{msg}"
    );
    let r = get("/api/predict?cell_line=BT474&treatment=aspirin");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("aspirin"), "{}", r.body);
    let r = get("/api/predict?cell_line=BT474&treatment=none&days=-1");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("days"), "{}", r.body);
    let r = get("/api/predict?cell_line=BT474");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("treatment is required"), "{}", r.body);
    let r = request(
        server(),
        "POST",
        "/api/predict",
        "application/json",
        b"{not json",
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("not valid JSON"), "{}", r.body);
}

/// The lab page shows the same numbers as the API, an SVG plot and the download links.
#[test]
fn lab_page_shows_readouts_plots_and_downloads() {
    let empty = get("/");
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("<form") && empty.body.contains("name=\"cell_line\""));
    let q = "cell_line=skbr3&agent1=lapatinib&dose1=100nM&days=2";
    let r = get(&format!("/?{q}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<svg"), "no plot");
    let l = lab();
    let p = l
        .predict(
            &l.condition("skbr3", &[]).unwrap(),
            &l.treatment("lapatinib@100nM").unwrap(),
            2.0,
        )
        .unwrap();
    let pakt = p.get("pAKT").unwrap();
    assert!(
        r.body.contains(&format!("{pakt:.4}")),
        "pAKT {pakt:.4} not in the page"
    );
    assert!(r
        .body
        .contains(&her2sim_report::escape(&format!("/api/predict?{q}"))));
    let csv = get(&format!("/api/lab.csv?{q}"));
    assert_eq!(csv.status, 200);
    let mut lines = csv.body.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("hours,arm,viable_cells,proliferation"));
    // 2 days x 8 samples per day + 1, two arms.
    assert_eq!(lines.count(), 2 * 17);
    // A bad name shows the form with the message and HTTP 400.
    let bad = get("/?cell_line=bt474&treatment=trastuzumab%40lots");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("class=\"error\""));
    assert!(bad.body.contains("trastuzumab"), "{}", bad.body);
}

/// `/api/dose-response` answers the object of `her2sim dose-response --json`.
#[test]
fn dose_response_page_and_api() {
    let q = "cell_line=BT474&treatment=lapatinib&doses=1nM..10uM:7&days=3";
    let r = get(&format!("/api/dose-response?{q}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let ic50 = v["ic50"].as_f64().unwrap();
    assert!(ic50 > 1.0 && ic50 < 1e4, "IC50 {ic50} nM");
    assert_eq!(v["points"].as_array().unwrap().len(), 7);
    assert_eq!(v["treatment"], "lapatinib");
    assert_eq!(v["readout"], "viable_cells");
    assert_eq!(v["ic50_unit"], "nM");
    for key in [
        "n",
        "hill",
        "e0",
        "emax",
        "r_squared",
        "ic50_ci",
        "cell_line",
        "modifiers",
        "days",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    let page = get(&format!("/dose-response?{q}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg") && page.body.contains("4-parameter Hill fit"));
    let csv = get(&format!("/api/dose-response.csv?{q}"));
    assert_eq!(csv.status, 200);
    assert_eq!(csv.body.lines().count(), 8, "{}", csv.body);
    let bad = get("/dose-response?cell_line=BT474&treatment=lapatinib&doses=0nM,1nM");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("positive doses"), "{}", bad.body);
}

/// `/api/combo` answers the object of `her2sim combo --json`; the page draws the heat maps.
#[test]
fn combo_page_and_api() {
    let q = "cell_line=BT474&treatment=trastuzumab&treatment=paclitaxel&doses=0.1ug%2FmL..20ug%2FmL:5&doses=0.5nM..20nM:5&days=3";
    let r = get(&format!("/api/combo?{q}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        v["treatments"],
        serde_json::json!(["trastuzumab", "paclitaxel"])
    );
    let resp = v["response"].as_array().unwrap();
    assert_eq!(resp.len(), 6);
    assert_eq!(resp[0][0].as_f64(), Some(1.0));
    for m in ["hsa", "bliss", "loewe", "zip"] {
        assert!(
            v[m]["score"].is_number() || v[m]["error"].is_string(),
            "{m}: {}",
            v[m]
        );
    }
    assert!(v["bliss"]["score"].is_number());
    let page = get("/combo?cell_line=BT474&treatment_a=trastuzumab&treatment_b=paclitaxel&doses_a=0.1ug%2FmL..20ug%2FmL:5&doses_b=0.5nM..20nM:5&days=3");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.matches("<svg").count() >= 3, "heat maps");
    assert!(page.body.contains("Bliss synergy"));
    let csv = get(&format!("/api/combo.csv?{q}"));
    assert_eq!(csv.status, 200);
    assert!(csv.body.lines().count() > 30);
    let bad = get("/api/combo?cell_line=BT474&treatment=trastuzumab&doses=1nM..10nM:3");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("exactly two"), "{}", bad.body);
}

/// SBML Test Suite case 00001 through `/api/simulate` (multipart upload) matches its results.
#[test]
fn simulate_api_matches_the_test_suite() {
    let model = std::fs::read_to_string(suite_case("00001", "00001-sbml-l3v2.xml"))
        .expect("the SBML Test Suite beside the checkout (../shared)");
    let expected = std::fs::read_to_string(suite_case("00001", "00001-results.csv")).unwrap();
    let (ctype, body) = multipart(&[
        ("sbml_file", Some("00001-sbml-l3v2.xml"), &model),
        ("selections", None, "time,S1,S2"),
        ("start", None, "0"),
        ("end", None, "5"),
        ("points", None, "51"),
    ]);
    let r = request(server(), "POST", "/api/simulate", &ctype, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["columns"], serde_json::json!(["time", "S1", "S2"]));
    let rows = v["rows"].as_array().unwrap();
    let reference: Vec<Vec<f64>> = expected
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|x| x.trim().parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), reference.len());
    for (row, want) in rows.iter().zip(&reference) {
        for (k, w) in want.iter().enumerate() {
            let got = row[k].as_f64().unwrap();
            assert!(
                (got - w).abs() <= 1e-7 + 1e-4 * w.abs(),
                "{got} vs {w} in {row}"
            );
        }
    }
    // JSON body, CSV answer.
    let json =
        serde_json::json!({"sbml": model, "selections": ["time", "S1"], "end": 5, "points": 6});
    let csv = request(
        server(),
        "POST",
        "/api/simulate?format=csv",
        "application/json",
        json.to_string().as_bytes(),
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(csv.body.lines().next(), Some("time,S1"));
    assert_eq!(csv.body.lines().count(), 7);
}

/// The simulate page: plot, table and a CSV link; a bad model is 400 with the parser's message.
#[test]
fn simulate_page_and_bad_models() {
    let form = get("/simulate");
    assert_eq!(form.status, 200);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let model = std::fs::read_to_string(suite_case("00001", "00001-sbml-l3v2.xml")).unwrap();
    let (ctype, body) = multipart(&[
        ("sbml", None, &model),
        ("end", None, "5"),
        ("points", None, "11"),
    ]);
    let r = request(server(), "POST", "/simulate", &ctype, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<svg") && r.body.contains("data:text/csv"));
    assert!(r.body.contains("[S1]"), "default selection: concentrations");

    let (ctype, body) = multipart(&[("sbml_file", Some("bad.xml"), "<sbml><model></sbm>")]);
    let bad = request(server(), "POST", "/simulate", &ctype, &body);
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("class=\"error\""));
    assert!(bad.body.contains("model: "), "{}", bad.body);
    let api = request(server(), "POST", "/api/simulate", &ctype, &body);
    assert_eq!(api.status, 400);
    let msg = api.json()["error"].as_str().unwrap().to_string();
    assert!(msg.starts_with("model: "), "{msg}");
    let none = request(server(), "POST", "/api/simulate", "application/json", b"{}");
    assert_eq!(none.status, 400);
    assert!(none.body.contains("no model"), "{}", none.body);
    let (ctype, body) = multipart(&[("sbml", None, &model), ("selections", None, "time,nope")]);
    let sel = request(server(), "POST", "/api/simulate", &ctype, &body);
    assert_eq!(sel.status, 400);
    assert!(sel.body.contains("nope"), "{}", sel.body);
    let (ctype, body) = multipart(&[("sbml", None, &model), ("points", None, "1")]);
    let pts = request(server(), "POST", "/api/simulate", &ctype, &body);
    assert_eq!(pts.status, 400);
    assert!(pts.body.contains("points"), "{}", pts.body);
}

/// A body over the limit is refused with 413; the server goes on answering.
#[test]
fn oversized_body_is_rejected() {
    let big = vec![b'x'; 17 * 1024 * 1024];
    let r = request(server(), "POST", "/api/simulate", "application/json", &big);
    assert_eq!(r.status, 413, "{}", r.body);
    let (ctype, mut body) = multipart(&[("sbml", None, "x")]);
    body.splice(0..0, vec![b' '; 17 * 1024 * 1024]);
    let r = request(server(), "POST", "/simulate", &ctype, &body);
    assert!(r.status == 413 || r.status == 400, "{}", r.status);
    assert_eq!(get("/api").status, 200);
}

/// `POST /api/simulate` of suite case 00001 up to `end` with `points` output points.
fn simulate_case_00001(addr: SocketAddr, end: f64, points: u32) -> Reply {
    let model = std::fs::read_to_string(suite_case("00001", "00001-sbml-l3v2.xml")).unwrap();
    let json = serde_json::json!({"sbml": model, "end": end, "points": points});
    request(
        addr,
        "POST",
        "/api/simulate",
        "application/json",
        json.to_string().as_bytes(),
    )
}

/// The per-simulation time budget stops a long run with a message.
#[test]
fn simulations_have_a_time_budget() {
    let addr = start(Config {
        sim_timeout: Duration::from_nanos(1),
        ..Config::default()
    });
    let r = simulate_case_00001(addr, 1e6, 100001);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("time limit"), "{}", r.body);
}

/// The laboratory's runs share the time budget: a prediction that cannot finish in it is a
/// 400 with the message, and the server goes on answering.
#[test]
fn laboratory_runs_have_the_time_budget() {
    let addr = start(Config {
        sim_timeout: Duration::from_nanos(1),
        ..Config::default()
    });
    let r = request(
        addr,
        "GET",
        "/api/predict?cell_line=BT474&treatment=lapatinib&days=3",
        "",
        b"",
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("time limit"), "{}", r.body);
    assert_eq!(request(addr, "GET", "/api", "", b"").status, 200);
}

/// An uploaded model whose dense Jacobian would pass the per-run memory budget is refused
/// before anything is allocated, with the sizes in the message.
#[test]
fn uploaded_models_have_a_memory_budget() {
    let addr = start(Config {
        max_run_bytes: 16,
        ..Config::default()
    });
    let r = simulate_case_00001(addr, 1.0, 11);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("over the limit"), "{}", r.body);
    // The shared server's default budget runs the same model.
    let r = simulate_case_00001(server(), 1.0, 11);
    assert_eq!(r.status, 200, "{}", r.body);
}

/// The default study: the ranked page, the JSON ranking, the report and its CSVs (computed once).
#[test]
fn study_page_api_and_files() {
    let r = get("/api/study");
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let ranking = v["ranking"].as_array().unwrap();
    assert!(ranking.len() >= 20, "{} treatments", ranking.len());
    let best = ranking[0]["viable_cells_her2_high"].as_f64().unwrap();
    let worst = ranking[ranking.len() - 1]["viable_cells_her2_high"]
        .as_f64()
        .unwrap();
    assert!(best <= worst);
    assert_eq!(v["report"], "/study/report");
    let page = get("/study");
    assert_eq!(page.status, 200);
    let first = ranking[0]["treatment"].as_str().unwrap();
    assert!(page.body.contains(&her2sim_report::escape(first)));
    let report = get("/study/report");
    assert_eq!(report.status, 200);
    assert!(report.body.contains("<svg"));
    let csv = get("/study/predictions.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("condition,treatment,readout,relative"));
    // Only the study's own files, by name: no path reaches the file system.
    assert_eq!(get("/study/..%2F..%2FCargo.toml").status, 404);
    assert_eq!(get("/study/nothing.csv").status, 404);
}

#[test]
fn unknown_paths_and_the_api_index() {
    let r = get("/api/nothing");
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("/api/nothing"));
    let r = get("/etc/passwd");
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("root:"));
    let idx = get("/api");
    assert_eq!(idx.status, 200);
    assert!(idx.json()["endpoints"].as_array().unwrap().len() >= 8);
}

/// The trials page and API: an example trial through `/api/trial` is the library's
/// `run_trial` of the same file, patients and seed (the CLI's JSON); the page shows the
/// report's sections with the Kaplan–Meier plot; bad trials and sizes are 400 with the
/// reason, without running.
#[test]
fn trials_page_and_api() {
    use her2sim_her2::trial::{output, run_trial, KnownDrugs, Trial};
    let addr = server();
    let r = request(
        addr,
        "POST",
        "/api/trial",
        "application/x-www-form-urlencoded",
        b"example=vogel2002&patients=30&seed=5",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/trials/vogel2002.toml"
    ))
    .unwrap();
    let known = KnownDrugs::from_catalogue(lab().catalogue());
    let trial = Trial::from_toml(&text, "vogel2002.toml", &known).unwrap();
    let want = run_trial(trial, Some(30), Some(5), lab(), &|_| {}, &|| {}).unwrap();
    // Both through text: serde_json's default float parsing may differ from the value in
    // the last bit, the same way for both.
    let want: serde_json::Value = serde_json::from_str(&output::json(&want).to_string()).unwrap();
    assert_eq!(r.json(), want);

    let page = get("/trials?example=cleopatra");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("name = &quot;CLEOPATRA&quot;"),
        "example TOML in the form"
    );
    let (ctype, body) = multipart(&[
        (
            "toml",
            None,
            include_str!("../../../examples/trials/cleopatra.toml"),
        ),
        ("patients", None, "20"),
        ("seed", None, "3"),
    ]);
    let run = request(addr, "POST", "/trials", &ctype, &body);
    assert_eq!(run.status, 200, "{}", run.body);
    for needle in ["Simulated and published", "<svg", "P+H+D", "arms (CSV)"] {
        assert!(run.body.contains(needle), "page lacks {needle}");
    }

    for (body, reason) in [
        (
            &b"example=vogel2002&patients=5000"[..],
            "patients: expected 1 to 2000",
        ),
        (&b"example=nope"[..], "no example trial 'nope'"),
        (&b"toml=%5Btrial%5D%0Aname%3D1"[..], "the trial file"),
        (&b""[..], "give a trial file"),
    ] {
        let r = request(
            addr,
            "POST",
            "/api/trial",
            "application/x-www-form-urlencoded",
            body,
        );
        assert_eq!(r.status, 400, "{}", r.body);
        let message = r.json()["error"].as_str().unwrap_or("").to_string();
        assert!(message.contains(reason), "{message}");
    }
}
