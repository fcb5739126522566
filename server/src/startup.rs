//! Builds the application from a `Config` and runs it until a shutdown signal.

use std::{future::Future, net::SocketAddr};

use anyhow::Context;
use axum::serve::ListenerExt;
use engine::{
    Config, Store,
    alerts::{AlertSettings, Mailer, RetryBackoff, run_outbox_worker},
    auth::SessionSettings,
    jobs::{JobSpec, Scheduler},
    poller::{PollPlan, PollService},
    secrets::Secrets,
};
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;

use crate::{
    http::{AppState, SessionCookie, router},
    jobs::{history_job, poll_job, poller_from_config, session_prune_job},
};

/// A bound, ready-to-serve app. Binding happens in `build`, so port 0 can be resolved
/// before serving (tests and the e2e suite read `local_addr`).
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    store: Store,
    secrets: Secrets,
    jobs: Vec<JobSpec>,
    alerts: AlertSettings,
    mailer: Mailer,
    email_backoff: RetryBackoff,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = Store::open(&config)
            .await
            .with_context(|| format!("opening the database {}", config.effective_database_url()))?;
        // Before anything else touches the data: a wrong master key stops here.
        let secrets = Secrets::load(&config, &store).await?;
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .with_context(|| format!("binding {} (QUOTABOARD_LISTEN_ADDR)", config.listen_addr))?;
        let local_addr = listener.local_addr()?;
        let leptos_options = leptos_options(&config, local_addr);
        let alerts = AlertSettings::from_config(&config);
        let mailer = Mailer::from_config(&config)?;
        let polls = PollService::new(
            store.clone(),
            secrets.clone(),
            poller_from_config(&config, alerts.clone())?,
            PollPlan::from_config(&config),
        );
        let state = AppState {
            leptos_options,
            store: store.clone(),
            secrets: secrets.clone(),
            sessions: SessionSettings::from_config(&config),
            cookie: SessionCookie {
                secure: config.behind_https(),
            },
            trusted_proxies: config.trusted_proxies.clone(),
            polls: polls.clone(),
            alerts: alerts.clone(),
            mailer: mailer.clone(),
            retention: engine::history::Retention::from_config(&config),
            metrics_token: config.metrics_token.clone(),
            token_reveals: Default::default(),
            drawn_overviews: Default::default(),
            drawn_key_pages: Default::default(),
        };
        let jobs = vec![
            poll_job(&config, polls),
            history_job(&config, store.clone()),
            session_prune_job(&config, store.clone()),
        ];
        Ok(Self {
            listener,
            router: router(state),
            store,
            secrets,
            jobs,
            alerts,
            mailer,
            email_backoff: RetryBackoff::from_config(&config),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    pub fn alerts(&self) -> &AlertSettings {
        &self.alerts
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, lets in-flight requests finish, then closes
    /// the database cleanly.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr();
        let scheduler = Scheduler::start(self.jobs)
            .await
            .context("starting the background jobs")?;
        let (stop_outbox, outbox_stopped) = tokio::sync::oneshot::channel::<()>();
        let outbox = tokio::spawn(run_outbox_worker(
            self.store.clone(),
            self.mailer.clone(),
            self.email_backoff,
            self.alerts.outbox.clone(),
            async move {
                let _ = outbox_stopped.await;
            },
        ));
        // The e2e suite waits for this exact line to learn the port.
        tracing::info!("listening on http://{addr}");
        // Connection info lets login read the client's address (for rate limiting):
        // `http::session::client_ip`.
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // Without TCP_NODELAY a large page's last segment waits for the client's
        // delayed ACK: one request in ten took 40 ms more (`bench/dashboard`).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await
            .context("HTTP server failed")?;
        tracing::info!("HTTP server stopped; stopping jobs and closing the database");
        if let Err(error) = scheduler.shutdown().await {
            tracing::warn!(%error, "job scheduler did not stop cleanly");
        }
        // An e-mail mid-send finishes first (marked sent), so it is not sent twice.
        let _ = stop_outbox.send(());
        if let Err(error) = outbox.await {
            tracing::warn!(%error, "e-mail worker did not stop cleanly");
        }
        self.store.close().await;
        Ok(())
    }
}

fn leptos_options(config: &Config, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(app::BUNDLE_NAME)
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(Env::PROD)
        .build()
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (service managers, `kill`).
///
/// The SIGTERM handler is installed when this is called, not when the future is
/// first polled: otherwise a SIGTERM arriving between "listening on" and the first
/// poll kills the process with the default action (seen under load in
/// `tests/simulate.rs`). Call it inside the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let ctrl_c = async {
            if let Err(error) = tokio::signal::ctrl_c().await {
                tracing::error!("cannot listen for Ctrl-C: {error}");
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let terminate = async {
            match terminate {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(error) => {
                    tracing::error!("cannot listen for SIGTERM: {error}");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();

        tokio::select! {
            () = ctrl_c => tracing::info!("received SIGINT, shutting down"),
            () = terminate => tracing::info!("received SIGTERM, shutting down"),
        }
    }
}
