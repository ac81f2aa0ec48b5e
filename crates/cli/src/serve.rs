//! `her2sim serve`: the web UI and JSON API (`her2sim_web`) on a local port.

use std::net::{IpAddr, SocketAddr, TcpListener};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to bind; the default serves this machine only.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Wall-clock budget of one SBML simulation, in seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    sim_timeout: f64,
    /// Largest request body (uploaded model), in MB.
    #[arg(long, default_value_t = 16, value_name = "MB")]
    max_body_mb: u64,
    /// Largest dense Jacobian with its LU factors one uploaded model may need, in MB;
    /// 0 = the memory ceiling (--max-memory-gb) shared by the simulations that run at once,
    /// with half of it kept for everything else.
    #[arg(long, default_value_t = 0, value_name = "MB")]
    max_run_mb: u64,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    if !(args.sim_timeout.is_finite() && args.sim_timeout > 0.0) {
        anyhow::bail!(
            "--sim-timeout must be a positive number of seconds, got {}",
            args.sim_timeout
        );
    }
    let defaults = her2sim_web::Config::default();
    let max_run_bytes = if args.max_run_mb > 0 {
        usize::try_from(args.max_run_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
    } else {
        match crate::memory::limit_bytes() {
            usize::MAX => defaults.max_run_bytes,
            ceiling => ceiling / 2 / defaults.max_concurrent.max(1),
        }
    };
    let config = her2sim_web::Config {
        sim_timeout: std::time::Duration::from_secs_f64(args.sim_timeout.min(1e9)),
        max_body_bytes: usize::try_from(args.max_body_mb.saturating_mul(1024 * 1024))
            .unwrap_or(usize::MAX),
        max_run_bytes,
        ..defaults
    };
    let addr = SocketAddr::new(args.bind, args.port);
    let listener =
        TcpListener::bind(addr).map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    let host = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    // The line scripts wait for (and read the port from) before sending requests.
    println!("her2sim serving on http://{host}:{}/", local.port());
    her2sim_web::serve_std(listener, config)?;
    Ok(())
}
