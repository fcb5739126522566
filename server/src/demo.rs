//! `quotaboard demo`: the real app, polling the built-in vendor simulator with a set
//! of demo keys, in its own data directory so no real data is touched.

use anyhow::Context;
use chrono::Utc;
use domain::KeyForm;
use engine::{
    Config,
    poller::{Selection, poll_cycle},
    team::{self, Actor, KeyInput},
};
use secrecy::SecretString;
use simulator::SimulatorOptions;

use crate::{cli::DemoArgs, jobs::poller_from_config, startup::Application};

/// Shown on the console: the demo's only account, in the demo's own database.
pub const DEMO_EMAIL: &str = "demo@quotaboard.example";
pub const DEMO_PASSWORD: &str = "quotaboard-demo";

/// Demo keys: (vendor, label, simulator key, owner, monthly limit). The simulator
/// reads behaviour from the key's prefix: `near-limit…` sits at 93–99 % of its limit,
/// `fault-500…` always fails.
const DEMO_KEYS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "ocr-space",
        "Invoices OCR",
        "demo-ocr-invoices",
        "finance",
        "300000",
    ),
    (
        "ocr-space",
        "Receipts OCR",
        "near-limit-ocr-receipts",
        "finance",
        "25000",
    ),
    (
        "structocr",
        "prod-eu",
        "demo-structocr-prod-eu",
        "platform",
        "",
    ),
    (
        "structocr",
        "staging",
        "fault-500-structocr-staging",
        "platform",
        "",
    ),
    (
        "platerecognizer",
        "Parking gates",
        "demo-pr-gates",
        "facilities",
        "",
    ),
    (
        "platerecognizer",
        "Car park north",
        "near-limit-pr-north",
        "facilities",
        "",
    ),
    (
        "platerecognizer-sdk",
        "On-prem camera hub",
        "demo-sdk-hub",
        "facilities",
        "",
    ),
];

pub async fn demo(mut config: Config, args: DemoArgs) -> anyhow::Result<()> {
    config.data_dir = args.data_dir;
    config.database_url = None;
    // Poll every minute so the charts move while someone is watching.
    config.poll_interval_minutes = 1;
    config.poll_interval_minutes_ocr_space = 1;

    let addr = args.simulator_addr;
    let simulator = simulator::spawn(SimulatorOptions {
        addr,
        ..SimulatorOptions::default()
    })
    .await
    .with_context(|| {
        format!(
            "starting the vendor simulator on {addr} (is another demo running? see --simulator-addr)"
        )
    })?;

    let app = Application::build(config.clone()).await?;
    let poller = poller_from_config(&config, app.alerts().clone())?;
    seed(&app, &simulator).await?;
    // A first reading of every key right away, rather than at the next tick.
    poll_cycle(app.store(), app.secrets(), &poller, &Selection::All).await?;
    tracing::info!(
        "demo mode: sign in as {DEMO_EMAIL} with password {DEMO_PASSWORD}; vendors are simulated at {}",
        simulator.base_url()
    );
    app.run_until_stopped(crate::startup::shutdown_signal())
        .await
}

/// Creates the demo account and keys on the first run; later runs keep what is there.
async fn seed(app: &Application, simulator: &simulator::SimulatorHandle) -> anyhow::Result<()> {
    let store = app.store();
    let now = Utc::now();
    if team::needs_setup(store).await? {
        team::create_first_admin(store, DEMO_EMAIL, SecretString::from(DEMO_PASSWORD), now).await?;
    }
    if !team::list_keys(store, &Actor::Cli).await?.is_empty() {
        return Ok(());
    }
    for (vendor, label, key, owner, limit) in DEMO_KEYS {
        let sdk = *vendor == "platerecognizer-sdk";
        let base_url = if sdk {
            simulator.sdk_base_url(key)
        } else {
            simulator.base_url()
        };
        let input = KeyInput {
            form: KeyForm {
                vendor: (*vendor).to_owned(),
                label: (*label).to_owned(),
                owner_tag: (*owner).to_owned(),
                base_url,
                monthly_limit: (*limit).to_owned(),
                poll_interval_minutes: String::new(),
            },
            secret: SecretString::from(if sdk { "" } else { *key }),
        };
        team::create_key(store, app.secrets(), &Actor::Cli, input, now).await?;
    }
    tracing::info!(keys = DEMO_KEYS.len(), "demo keys created");
    Ok(())
}
