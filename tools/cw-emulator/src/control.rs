//! Fault configuration, call statistics and the `/_emulator/*` control API.
//!
//! The control API shares the port with the emulated CloudWatch endpoint; its
//! paths start with `/_emulator/`, which no AWS SDK request uses (rpcv2Cbor
//! requests go to `/service/{Service}/operation/{Operation}`).
//!
//! | method | path                | effect                                          |
//! |--------|---------------------|-------------------------------------------------|
//! | GET    | `/_emulator/health` | `ok`                                            |
//! | GET    | `/_emulator/faults` | current faults (JSON)                           |
//! | POST   | `/_emulator/faults` | merge the given fields into the faults          |
//! | DELETE | `/_emulator/faults` | clear all faults                                |
//! | GET    | `/_emulator/stats`  | call statistics (JSON)                          |
//! | DELETE | `/_emulator/stats`  | zero the statistics                             |
//! | POST   | `/_emulator/reset`  | clear faults, statistics and all stored metrics |

use std::sync::{Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::AppState;

/// Operations that faults apply to unless `fault_ops` says otherwise.
pub const DEFAULT_FAULT_OPS: &[&str] = &["GetMetricData"];

/// Injected faults. Counters (`*_next`) go down by one per affected call.
#[derive(Debug, Clone, Serialize)]
pub struct Faults {
    /// Datapoints per GetMetricData page (0: no extra paging; the request's
    /// `MaxDatapoints`, default 100,800, still applies).
    pub page_size: u64,
    /// The next N affected calls answer HTTP 400 `Throttling`.
    pub throttle_next: u64,
    /// The next N affected calls answer HTTP `fail_status` (500 or 503).
    pub fail_next: u64,
    /// Status of `fail_next` answers: 500 `InternalFailure` (default) or
    /// 503 `ServiceUnavailable`.
    pub fail_status: u16,
    /// Milliseconds that each of the next `delay_next` affected calls waits
    /// before it is answered.
    pub delay_ms: u64,
    /// How many affected calls are delayed by `delay_ms`.
    pub delay_next: u64,
    /// Every GetMetricData result gets `StatusCode: PartialData` (sticky).
    pub partial_data: bool,
    /// GetMetricData results for these query ids get `StatusCode: Forbidden`
    /// and no datapoints (sticky).
    pub forbidden_ids: Vec<String>,
    /// Operations (rpcv2Cbor operation names) that `throttle_next`,
    /// `fail_next` and `delay_*` apply to; `"*"` means every operation.
    pub fault_ops: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            page_size: 0,
            throttle_next: 0,
            fail_next: 0,
            fail_status: 500,
            delay_ms: 0,
            delay_next: 0,
            partial_data: false,
            forbidden_ids: Vec::new(),
            fault_ops: DEFAULT_FAULT_OPS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Faults {
    /// Whether counted faults apply to `operation`.
    pub fn applies_to(&self, operation: &str) -> bool {
        self.fault_ops.iter().any(|o| o == "*" || o == operation)
    }
}

/// Body of `POST /_emulator/faults`: every field is optional and only the
/// fields given change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsPatch {
    page_size: Option<u64>,
    throttle_next: Option<u64>,
    fail_next: Option<u64>,
    fail_status: Option<u16>,
    delay_ms: Option<u64>,
    delay_next: Option<u64>,
    partial_data: Option<bool>,
    forbidden_ids: Option<Vec<String>>,
    fault_ops: Option<Vec<String>>,
}

impl FaultsPatch {
    fn apply(self, faults: &mut Faults) -> Result<(), String> {
        if let Some(s) = self.fail_status {
            if s != 500 && s != 503 {
                return Err(format!("fail_status must be 500 or 503, got {s}"));
            }
            faults.fail_status = s;
        }
        if let Some(v) = self.page_size {
            faults.page_size = v;
        }
        if let Some(v) = self.throttle_next {
            faults.throttle_next = v;
        }
        if let Some(v) = self.fail_next {
            faults.fail_next = v;
        }
        if let Some(v) = self.delay_ms {
            faults.delay_ms = v;
        }
        if let Some(v) = self.delay_next {
            faults.delay_next = v;
        }
        if let Some(v) = self.partial_data {
            faults.partial_data = v;
        }
        if let Some(v) = self.forbidden_ids {
            faults.forbidden_ids = v;
        }
        if let Some(v) = self.fault_ops {
            faults.fault_ops = v;
        }
        Ok(())
    }
}

/// Call statistics since start (or the last reset).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// GetMetricData calls received, including those answered with a fault.
    pub get_metric_data_calls: u64,
    /// PutMetricData calls received, including those answered with a fault.
    pub put_metric_data_calls: u64,
    /// Other AWS calls received.
    pub other_calls: u64,
    /// MetricDataQueries received over all GetMetricData calls.
    pub metric_data_queries: u64,
    /// Datapoints returned over all GetMetricData pages.
    pub datapoints_returned: u64,
    /// GetMetricData calls that carried a NextToken.
    pub next_token_calls: u64,
    /// Calls answered with `Throttling`.
    pub throttled: u64,
    /// Calls answered with `fail_status`.
    pub failed: u64,
    /// Calls that were delayed.
    pub delayed: u64,
    /// The last GetMetricData request, decoded to JSON (timestamps as epoch
    /// seconds), for asserting what a client sent.
    pub last_get_metric_data: Option<serde_json::Value>,
}

/// Faults and statistics, behind one lock.
#[derive(Debug, Default)]
pub struct Control {
    pub faults: Faults,
    pub stats: Stats,
}

/// Lock the control state; a poisoned lock (a panic while holding it) still
/// holds consistent counters, so it is used as is.
pub fn lock(control: &Mutex<Control>) -> MutexGuard<'_, Control> {
    control.lock().unwrap_or_else(|e| e.into_inner())
}

fn json_error(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// `GET /_emulator/health`.
pub async fn health() -> &'static str {
    "ok"
}

/// `GET /_emulator/faults`.
pub async fn get_faults(State(app): State<AppState>) -> Response {
    Json(lock(&app.control).faults.clone()).into_response()
}

/// `POST /_emulator/faults`: merge a [`FaultsPatch`]; answers the new faults.
pub async fn set_faults(State(app): State<AppState>, body: Bytes) -> Response {
    let patch: FaultsPatch = if body.is_empty() {
        return json_error(StatusCode::BAD_REQUEST, "empty body".to_string());
    } else {
        match serde_json::from_slice(&body) {
            Ok(p) => p,
            Err(e) => return json_error(StatusCode::BAD_REQUEST, format!("bad faults: {e}")),
        }
    };
    let mut control = lock(&app.control);
    let mut faults = control.faults.clone();
    if let Err(e) = patch.apply(&mut faults) {
        return json_error(StatusCode::BAD_REQUEST, e);
    }
    control.faults = faults.clone();
    Json(faults).into_response()
}

/// `DELETE /_emulator/faults`.
pub async fn clear_faults(State(app): State<AppState>) -> Response {
    let mut control = lock(&app.control);
    control.faults = Faults::default();
    Json(control.faults.clone()).into_response()
}

/// `GET /_emulator/stats`.
pub async fn get_stats(State(app): State<AppState>) -> Response {
    Json(lock(&app.control).stats.clone()).into_response()
}

/// `DELETE /_emulator/stats`.
pub async fn reset_stats(State(app): State<AppState>) -> Response {
    let mut control = lock(&app.control);
    control.stats = Stats::default();
    Json(control.stats.clone()).into_response()
}

/// `POST /_emulator/reset`: faults, statistics and stored metric data.
pub async fn reset_all(State(app): State<AppState>) -> Response {
    {
        let mut control = lock(&app.control);
        *control = Control::default();
    }
    *app.cloudwatch.write() = fakecloud_cloudwatch::CloudWatchAccounts::new();
    Json(serde_json::json!({ "reset": true })).into_response()
}

/// Any other `/_emulator/*` path.
pub async fn not_found() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "unknown control path; see /_emulator/{health,faults,stats,reset}".to_string(),
    )
}
