//! `reunite serve` (the web application and JSON API) and `reunite user add`.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use registry::Role;

use crate::registry_cmd::{DbArgs, cli_actor, open, runtime};

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Mark the session cookie Secure (when the server is reached over TLS, directly or through a proxy).
    #[arg(long)]
    secure_cookies: bool,
    /// Write the logs as JSON lines.
    #[arg(long)]
    log_json: bool,
    /// The address of a reverse proxy in front of the server (repeat, or
    /// separate with commas): from it, the client's address (for the login
    /// rate limit and the audit of logins) is read from X-Forwarded-For;
    /// from any other peer that header is ignored.
    #[arg(
        long = "trusted-proxy",
        value_name = "ADDR",
        env = "REUNITE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Also serve /metrics without an account on this address, for a
    /// Prometheus scraper (keep it on loopback or an internal network); on
    /// --listen the metrics are the administrators'.
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

fn init_logs(json: bool) {
    use tracing_subscriber::filter::LevelFilter;
    let builder = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::INFO)
        .with_target(false);
    // Only the server's own events: the request line (method, route template,
    // status, latency), logins without names, failures without data.
    let result = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if result.is_err() {
        eprintln!("note: logging was already set up");
    }
}

pub fn serve(args: ServeArgs) -> Result<()> {
    init_logs(args.log_json);
    runtime()?.block_on(async {
        let registry = open(&args.db).await?;
        // Built before the first request, so that a ready server answers
        // every page at once.
        registry.load_search_index().await?;
        let registry = Arc::new(registry);
        let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let secure = args.secure_cookies;
        if !secure && !addr.ip().is_loopback() {
            eprintln!(
                "warning: listening on {addr} without --secure-cookies: serve it behind TLS and pass --secure-cookies"
            );
        }
        let state = server::AppState::new(registry.clone(), server::Config { secure_cookies: secure, trusted_proxies: args.trusted_proxies.clone() }).await;
        tracing::info!(%addr, "listening");
        eprintln!("Reunite is listening on http://{addr}/");
        let metrics = match &args.metrics_listen {
            Some(m) => {
                let listener = tokio::net::TcpListener::bind(m).await.with_context(|| format!("cannot listen on {m}"))?;
                let maddr = listener.local_addr()?;
                eprintln!("Metrics for a scraper (no account) on http://{maddr}/metrics");
                let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
                let task = tokio::spawn(server::serve_metrics(state.clone(), listener, async {
                    let _ = stopped.await;
                }));
                Some((stop, task))
            }
            None => None,
        };
        server::serve(state, listener, server::shutdown_signal()).await?;
        // The metrics stop with the application.
        if let Some((stop, task)) = metrics {
            let _ = stop.send(());
            let _ = task.await;
        }
        if let Ok(r) = Arc::try_unwrap(registry) {
            r.close().await;
        }
        Ok(())
    })
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account: admin, lab, caseworker or family (a family account belongs to its case).
    Add(UserAddArgs),
}

#[derive(Args)]
pub struct UserAddArgs {
    #[arg(long)]
    username: String,
    /// admin, lab, caseworker or family.
    #[arg(long)]
    role: String,
    /// The case of a family account.
    #[arg(long = "case")]
    case_id: Option<String>,
    /// Read the password from the first line of this file (default: a prompt).
    #[arg(long)]
    password_file: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

fn read_password(file: &Option<PathBuf>) -> Result<String> {
    match file {
        Some(f) => {
            let fh =
                std::fs::File::open(f).with_context(|| format!("{}: cannot read", f.display()))?;
            let mut line = String::new();
            std::io::BufReader::new(fh).read_line(&mut line)?;
            Ok(line.trim_end_matches(['\r', '\n']).to_string())
        }
        None => {
            let a = rpassword::prompt_password("Password (at least 12 characters): ")?;
            let b = rpassword::prompt_password("Again: ")?;
            if a != b {
                bail!("the two passwords differ");
            }
            Ok(a)
        }
    }
}

pub fn user(cmd: UserCommand) -> Result<()> {
    let UserCommand::Add(args) = cmd;
    let Some(role) = Role::parse(&args.role) else {
        bail!("--role is one of admin, lab, caseworker, family");
    };
    let password = read_password(&args.password_file)?;
    let hash = server::auth::hash_password(&password)?;
    runtime()?.block_on(async {
        let registry = open(&args.db).await?;
        registry
            .create_user(
                &cli_actor(),
                &args.username,
                role,
                &hash,
                args.case_id.as_deref(),
            )
            .await?;
        println!("added {} ({})", args.username, role.name());
        registry.close().await;
        Ok(())
    })
}
