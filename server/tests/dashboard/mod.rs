//! A running app with an admin, keys pointing at an in-process simulator, and polls
//! stored through the real poll cycle: what the overview, exports and API tests read.

#![allow(dead_code)]

use std::time::Duration;

use app::api::{auth::Login, team::AddUser};
use chrono::Utc;
use domain::{KeyForm, KeyId};
use engine::{
    Store,
    poller::{Poller, PollerSettings, RetryPolicy, Selection, VendorLimits, poll_cycle},
    secrets::Secrets,
    team::{self, Actor, KeyInput},
    vendors::{ClientSettings, VendorClient},
};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use secrecy::SecretString;
use simulator::{SimulatorHandle, SimulatorOptions};

pub use crate::helpers::call;
use crate::helpers::{TestApp, session_pair, spawn_app, test_config};

pub const ADMIN: &str = "admin@example.com";
pub const PASSWORD: &str = "correct horse battery";

pub struct Seeded {
    pub app: TestApp,
    /// `name=value` of the admin's session cookie.
    pub admin: String,
    pub sim: SimulatorHandle,
    /// A second pool on the app's own database file.
    pub store: Store,
    pub secrets: Secrets,
    pub poller: Poller,
}

pub async fn seeded_app() -> Seeded {
    let app = spawn_app().await;
    let config = test_config(&app.data_dir);
    let store = Store::open(&config).await.expect("store");
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    let sim = simulator::spawn(SimulatorOptions::default())
        .await
        .expect("simulator");
    let client = VendorClient::new(ClientSettings {
        total_timeout: Duration::from_millis(500),
        ..ClientSettings::default()
    })
    .expect("client");
    let poller = Poller::new(
        client,
        PollerSettings {
            concurrency: 8,
            retry: RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
            limits: VendorLimits::unlimited(),
        },
    );
    let admin = crate::helpers::sign_up_admin(&app, ADMIN, PASSWORD).await;
    Seeded {
        app,
        admin,
        sim,
        store,
        secrets,
        poller,
    }
}

impl Seeded {
    /// A key stored as the CLI would, at the simulator.
    pub async fn add_key(
        &self,
        vendor: &str,
        label: &str,
        secret: &str,
        owner: &str,
        limit: &str,
    ) -> KeyId {
        let input = KeyInput {
            form: KeyForm {
                vendor: vendor.into(),
                label: label.into(),
                owner_tag: owner.into(),
                base_url: self.sim.base_url(),
                monthly_limit: limit.into(),
                poll_interval_minutes: String::new(),
            },
            secret: SecretString::from(secret.to_owned()),
        };
        team::create_key(&self.store, &self.secrets, &Actor::Cli, input, Utc::now())
            .await
            .expect("key stored")
    }

    pub async fn disable(&self, key: KeyId) {
        team::set_key_enabled(&self.store, &Actor::Cli, key, false, Utc::now())
            .await
            .expect("disabled");
    }

    /// One real poll cycle of every enabled key, stored.
    pub async fn poll_all(&self) {
        poll_cycle(&self.store, &self.secrets, &self.poller, &Selection::All)
            .await
            .expect("cycle");
    }

    /// Evaluates every key's alert rules as the running server does after a stored
    /// poll batch (the test poller has no alert settings, so a poll alone does not).
    pub async fn evaluate_alerts(&self) {
        let keys: Vec<KeyId> = engine::store::keys::list(self.store.pool())
            .await
            .expect("keys")
            .into_iter()
            .map(|key| KeyId(key.id))
            .collect();
        engine::alerts::evaluate(
            &self.store,
            &engine::alerts::AlertSettings::default(),
            &keys,
            Utc::now(),
        )
        .await
        .expect("alerts evaluated");
    }

    /// A user of this role, signed in: their cookie.
    pub async fn user(&self, email: &str, role: &str) -> String {
        let response = call(
            &self.app,
            AddUser::PATH,
            Some(&self.admin),
            &[("email", email), ("role", role), ("password", PASSWORD)],
        )
        .await;
        assert!(response.status().is_success(), "{}", response.status());
        let response = call(
            &self.app,
            Login::PATH,
            None,
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
        assert!(response.status().is_success(), "{}", response.status());
        session_pair(&response)
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
        let mut request = self
            .app
            .client
            .get(self.app.url(path))
            .header("Accept", "text/html");
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let response = request.send().await.expect("get");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }
}

/// The `<tr>` of the overview row whose label cell says `label`.
pub fn row_of<'a>(html: &'a str, label: &str) -> &'a str {
    let cell = format!("<td class=\"key-label\">{label}</td>");
    let at = html
        .find(&cell)
        .unwrap_or_else(|| panic!("no row {label:?} in {html}"));
    let start = html[..at].rfind("<tr").expect("row start");
    let end = at + html[at..].find("</tr>").expect("row end");
    &html[start..end]
}

/// The labels of the overview's rows, top to bottom.
pub fn labels_in_order(html: &str) -> Vec<String> {
    html.split("<td class=\"key-label\">")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap_or_default().to_owned())
        .collect()
}
