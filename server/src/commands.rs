//! The management subcommands: users, keys, master key rotation. They call the same
//! `engine::team` operations as the web UI, as `Actor::Cli`.

use std::io::Read;

use anyhow::{Context, bail};
use chrono::Utc;
use domain::KeyForm;
use engine::{
    Config, Store,
    secrets::{RotationLimit, Secrets, rotate_master_key},
    store::audit::AuditActor,
    team::{self, Actor, KeyInput, NewUser, TeamError},
};
use secrecy::SecretString;

use crate::cli::{KeyAddArgs, KeyCommand, UserAddArgs, UserCommand};

async fn open(config: &Config) -> anyhow::Result<(Store, Secrets)> {
    let store = Store::open(config)
        .await
        .with_context(|| format!("opening the database {}", config.effective_database_url()))?;
    let secrets = Secrets::load(config, &store).await?;
    Ok((store, secrets))
}

/// All of stdin, minus one trailing line break (what `echo` or a here-string adds).
fn read_stdin_secret(what: &str) -> anyhow::Result<SecretString> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .with_context(|| format!("reading the {what} from stdin"))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(SecretString::from(text))
}

/// A `TeamError` in words for a terminal: field errors one per line.
fn explain(error: TeamError) -> anyhow::Error {
    match error.field_errors() {
        Some(fields) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|(field, message)| format!("  --{}: {message}", flag_name(field)))
                .collect();
            anyhow::anyhow!("invalid input:\n{}", lines.join("\n"))
        }
        None => anyhow::Error::new(error),
    }
}

/// The CLI flag that carries a form field.
fn flag_name(field: &str) -> &str {
    match field {
        "monthly_limit" => "limit",
        "owner_tag" => "owner",
        "base_url" => "base-url",
        "secret" => "secret-stdin",
        "password" => "password-stdin",
        other => other,
    }
}

pub async fn user(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    let (store, _secrets) = open(config).await?;
    match command {
        UserCommand::Add(UserAddArgs { email, role, .. }) => {
            let password = read_stdin_secret("password")?;
            let id = team::create_user(
                &store,
                &Actor::Cli,
                NewUser {
                    email: email.clone(),
                    role,
                    password,
                },
                Utc::now(),
            )
            .await
            .map_err(explain)?;
            println!("added user {id}: {} ({role})", email.trim().to_lowercase());
        }
        UserCommand::List => {
            for user in team::list_users(&store, &Actor::Cli)
                .await
                .map_err(explain)?
            {
                let state = if user.is_enabled() {
                    "enabled"
                } else {
                    "disabled"
                };
                println!("{}\t{}\t{}\t{state}", user.id, user.email, user.role);
            }
        }
    }
    store.close().await;
    Ok(())
}

pub async fn key(config: &Config, command: KeyCommand) -> anyhow::Result<()> {
    let (store, secrets) = open(config).await?;
    match command {
        KeyCommand::Add(args) => {
            let KeyAddArgs {
                vendor,
                label,
                base_url,
                limit,
                owner,
                ..
            } = args;
            let secret = read_stdin_secret("secret")?;
            let input = KeyInput {
                form: KeyForm {
                    vendor,
                    label,
                    owner_tag: owner.unwrap_or_default(),
                    base_url: base_url.unwrap_or_default(),
                    monthly_limit: limit.unwrap_or_default(),
                    poll_interval_minutes: String::new(),
                },
                secret,
            };
            let id = team::create_key(&store, &secrets, &Actor::Cli, input, Utc::now())
                .await
                .map_err(explain)?;
            println!("added key {id}");
        }
        KeyCommand::List => {
            for key in team::list_keys(&store, &Actor::Cli)
                .await
                .map_err(explain)?
            {
                let secret = key
                    .secret
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "(no secret)".to_owned());
                let state = if key.enabled { "enabled" } else { "disabled" };
                println!(
                    "{}\t{}\t{}\t{secret}\t{}\t{state}",
                    key.id,
                    key.vendor,
                    key.label,
                    key.owner_tag.as_deref().unwrap_or("-"),
                );
            }
        }
    }
    store.close().await;
    Ok(())
}

pub async fn rotate(config: &Config) -> anyhow::Result<()> {
    let store = Store::open(config)
        .await
        .with_context(|| format!("opening the database {}", config.effective_database_url()))?;
    let report =
        rotate_master_key(config, &store, AuditActor::Cli, RotationLimit::Unlimited).await?;
    store.close().await;
    if !report.finished {
        bail!("rotation stopped early; run rotate-master-key again to finish");
    }
    if report.from_environment {
        println!(
            "master key rotated to {}; {} secret(s) re-encrypted. Now set QUOTABOARD_MASTER_KEY \
             to the value of QUOTABOARD_MASTER_KEY_NEXT, unset QUOTABOARD_MASTER_KEY_NEXT and \
             restart the server.",
            report.new_key_id, report.resealed
        );
    } else {
        println!(
            "master key rotated to {}; {} secret(s) re-encrypted. Restart the server to use it.",
            report.new_key_id, report.resealed
        );
    }
    Ok(())
}
