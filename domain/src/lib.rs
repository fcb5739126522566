//! Quotaboard's shared domain types: what a vendor is, what a usage reading says, and
//! which kind of failure a fetch ended in.
//!
//! Both the server and the browser UI use these, so this crate compiles for
//! `wasm32-unknown-unknown` and depends on nothing server-only (serde, chrono,
//! thiserror and the pure-Rust `email_address` only). Anything that touches the network or a secret lives in `engine`.

pub mod alerts;
pub mod fetch_error;
pub mod forecast;
pub mod history;
pub mod overview;
pub mod percent;
pub mod team;
pub mod usage;
pub mod vendor;

pub use alerts::{AlertLevel, AlertRule, Recipients, RuleForm, RuleKind, Severity, Threshold};
pub use fetch_error::FetchErrorKind;
pub use forecast::{Forecast, ForecastUnknown};
pub use history::{HistoryRange, UnknownRange};
pub use overview::{KeyStatus, OverviewQuery, SortColumn, UnknownStatus};
pub use percent::{ParsePercentError, Percent};
pub use team::{
    EmailAddress, FieldError, FieldErrors, KeyFields, KeyForm, KeyId, KeyLabel, MaskedSecret,
    MonthlyLimit, OwnerTag, PollInterval, Role, UnknownRole, UserId,
};
pub use usage::{
    Figure, FigureSource, OcrSpaceDetails, PlateRecognizerCloudDetails, PlateRecognizerSdkDetails,
    Scope, StructOcrAccount, StructOcrDetails, StructOcrKey, UsageReading, VendorDetails,
};
pub use vendor::{UnknownVendor, Vendor};
