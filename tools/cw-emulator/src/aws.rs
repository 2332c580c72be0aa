//! The AWS request path: faults, statistics and GetMetricData rewriting in
//! front of fakecloud's dispatcher.
//!
//! Every request that is not a control request lands here. rpcv2Cbor requests
//! (`POST /service/GraniteServiceVersion20100801/operation/{Op}` with
//! `smithy-protocol: rpc-v2-cbor`, what aws-sdk-cloudwatch 1.140 sends) are
//! counted, may get an injected fault, and are otherwise handed to
//! [`fakecloud_core::dispatch::dispatch`]. A successful GetMetricData answer is
//! then decoded, paged and rewritten ([`crate::rewrite`]). Requests in other
//! protocols pass through to fakecloud untouched (and count as other calls).
//!
//! Errors are answered the way CloudWatch answers over rpcv2Cbor (it is
//! `awsQueryCompatible`): a CBOR body `{__type, message}` and the header
//! `x-amzn-query-error: {Code};{Sender|Receiver}`, which the SDK reads as the
//! error code.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Extension, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use fakecloud_core::cbor::{self, CborValue};

use crate::control::lock;
use crate::rewrite::{self, Rewrite};
use crate::AppState;

/// Largest request body buffered (PutMetricData allows 1 MB; be generous).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// CloudWatch's default `MaxDatapoints` per GetMetricData page.
pub const DEFAULT_MAX_DATAPOINTS: usize = 100_800;
/// Prefix of the NextTokens this layer issues.
const TOKEN_PREFIX: &str = "cwemu1";

/// What the fault layer decided for one call.
#[derive(Debug, Default)]
struct Decision {
    delay: Option<Duration>,
    throttle: bool,
    fail: Option<u16>,
}

/// Build an rpcv2Cbor error response like CloudWatch's.
pub fn aws_error(status: StatusCode, code: &str, message: &str) -> Response {
    static REQUEST_ID: AtomicU64 = AtomicU64::new(1);
    let fault = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let request_id = format!("cwemu-{:012}", REQUEST_ID.fetch_add(1, Ordering::Relaxed));
    let mut response = Response::new(Body::from(cbor::error_body(code, message, &[])));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(cbor::CBOR_CONTENT_TYPE),
    );
    headers.insert(
        cbor::SMITHY_PROTOCOL_HEADER,
        HeaderValue::from_static(cbor::RPC_V2_CBOR),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("{code};{fault}")) {
        headers.insert("x-amzn-query-error", v);
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

/// The rpcv2Cbor operation a request calls, if it is an rpcv2Cbor request.
fn rpc_v2_operation(request: &Request) -> Option<String> {
    let is_cbor = request
        .headers()
        .get(cbor::SMITHY_PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(cbor::RPC_V2_CBOR));
    if !is_cbor {
        return None;
    }
    cbor::parse_rpc_v2_path(request.uri().path()).map(|(_, op)| op.to_string())
}

/// A fingerprint of a GetMetricData request without its NextToken: a token is
/// only valid for the request that produced it, as on CloudWatch.
fn fingerprint(request: &serde_json::Value) -> u64 {
    let mut request = request.clone();
    if let Some(obj) = request.as_object_mut() {
        obj.remove("NextToken");
    }
    let mut hasher = DefaultHasher::new();
    request.to_string().hash(&mut hasher);
    hasher.finish()
}

fn make_token(offset: usize, fingerprint: u64) -> String {
    format!("{TOKEN_PREFIX}.{offset}.{fingerprint:016x}")
}

/// The offset a NextToken points at, if it was issued for this request.
fn parse_token(token: &str, fingerprint: u64) -> Option<usize> {
    let mut parts = token.split('.');
    let (Some(TOKEN_PREFIX), Some(offset), Some(fp), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let offset = offset.parse().ok()?;
    (u64::from_str_radix(fp, 16).ok()? == fingerprint).then_some(offset)
}

/// Fallback handler: everything that is not a control path.
pub async fn handle(
    State(app): State<AppState>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let operation = rpc_v2_operation(&request);
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return aws_error(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                &format!("cw-emulator: cannot read request body: {e}"),
            )
        }
    };

    // GetMetricData input, decoded (a body fakecloud cannot decode either is
    // passed on so fakecloud answers with its own error).
    let gmd_input = match operation.as_deref() {
        Some("GetMetricData") => cbor::decode_to_json(&body).ok(),
        _ => None,
    };

    // Count the call and take the fault decision under one lock.
    let decision = {
        let mut control = lock(&app.control);
        let control = &mut *control;
        let stats = &mut control.stats;
        match operation.as_deref() {
            Some("GetMetricData") => {
                stats.get_metric_data_calls += 1;
                if let Some(input) = &gmd_input {
                    let queries = input
                        .get("MetricDataQueries")
                        .and_then(|q| q.as_array())
                        .map_or(0, |q| q.len());
                    stats.metric_data_queries += queries as u64;
                    if input.get("NextToken").is_some() {
                        stats.next_token_calls += 1;
                    }
                    stats.last_get_metric_data = Some(input.clone());
                }
            }
            Some("PutMetricData") => stats.put_metric_data_calls += 1,
            _ => stats.other_calls += 1,
        }
        let faults = &mut control.faults;
        let mut decision = Decision::default();
        if operation.as_deref().is_some_and(|op| faults.applies_to(op)) {
            if faults.delay_next > 0 {
                faults.delay_next -= 1;
                decision.delay = Some(Duration::from_millis(faults.delay_ms));
                stats.delayed += 1;
            }
            if faults.throttle_next > 0 {
                faults.throttle_next -= 1;
                decision.throttle = true;
                stats.throttled += 1;
            } else if faults.fail_next > 0 {
                faults.fail_next -= 1;
                decision.fail = Some(faults.fail_status);
                stats.failed += 1;
            }
        }
        decision
    };

    if let Some(delay) = decision.delay {
        tokio::time::sleep(delay).await;
    }
    if decision.throttle {
        return aws_error(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded");
    }
    match decision.fail {
        Some(503) => {
            return aws_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            )
        }
        Some(_) => {
            return aws_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "The request processing has failed because of an unknown error, \
                 exception or failure.",
            )
        }
        None => {}
    }

    // Validate a GetMetricData NextToken before doing any work.
    let mut page_offset = 0usize;
    let request_fingerprint = gmd_input.as_ref().map(fingerprint);
    if let (Some(input), Some(fp)) = (&gmd_input, request_fingerprint) {
        if let Some(token) = input.get("NextToken") {
            match token.as_str().and_then(|t| parse_token(t, fp)) {
                Some(offset) => page_offset = offset,
                None => {
                    return aws_error(
                        StatusCode::BAD_REQUEST,
                        "InvalidNextToken",
                        "The service returned an error. The NextToken is not valid \
                         for this request.",
                    )
                }
            }
        }
    }

    // Hand the request to fakecloud.
    let query = match Query::<HashMap<String, String>>::try_from_uri(&parts.uri) {
        Ok(q) => q,
        Err(e) => {
            return aws_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValue",
                &format!("invalid query string: {e}"),
            )
        }
    };
    let forwarded = Request::from_parts(parts, Body::from(body));
    let response = fakecloud_core::dispatch::dispatch(
        ConnectInfo(remote),
        Extension(app.registry.clone()),
        Extension(app.dispatch_config.clone()),
        query,
        forwarded,
    )
    .await;

    match (gmd_input, request_fingerprint) {
        (Some(input), Some(fp)) if response.status() == StatusCode::OK => {
            match rewrite_get_metric_data(&app, &input, fp, page_offset, response).await {
                Ok(r) => r,
                Err(message) => aws_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalFailure",
                    &format!("cw-emulator: cannot rewrite GetMetricData response: {message}"),
                ),
            }
        }
        _ => response,
    }
}

/// Page and rewrite a successful GetMetricData response from fakecloud.
async fn rewrite_get_metric_data(
    app: &AppState,
    input: &serde_json::Value,
    fingerprint: u64,
    offset: usize,
    response: Response,
) -> Result<Response, String> {
    let (mut parts, body) = response.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|e| format!("reading fakecloud's response: {e}"))?;
    let mut value: CborValue =
        ciborium::from_reader(bytes.as_ref()).map_err(|e| format!("decoding CBOR: {e}"))?;

    let (forbidden_ids, partial_data, fault_page) = {
        let control = lock(&app.control);
        (
            control.faults.forbidden_ids.clone(),
            control.faults.partial_data,
            control.faults.page_size,
        )
    };
    let requested = input
        .get("MaxDatapoints")
        .and_then(|m| m.as_u64())
        .filter(|m| *m > 0)
        .map_or(DEFAULT_MAX_DATAPOINTS, |m| m as usize);
    let page_size = match fault_page {
        0 => requested,
        n => requested.min(usize::try_from(n).unwrap_or(usize::MAX)),
    };

    let outcome = rewrite::rewrite(
        &mut value,
        &Rewrite {
            forbidden_ids: &forbidden_ids,
            partial_data,
            offset,
            page_size,
        },
    )?;
    let token = outcome.next_offset.map(|o| make_token(o, fingerprint));
    rewrite::set_next_token(&mut value, token.as_deref());
    lock(&app.control).stats.datapoints_returned += outcome.datapoints as u64;

    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(
        parts,
        Body::from(cbor::encode(&value)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_only_for_their_request() {
        let a = serde_json::json!({"MetricDataQueries": [{"Id": "a"}], "StartTime": 1});
        let mut a_with_token = a.clone();
        a_with_token["NextToken"] = serde_json::json!("x");
        let b = serde_json::json!({"MetricDataQueries": [{"Id": "b"}], "StartTime": 1});
        assert_eq!(fingerprint(&a), fingerprint(&a_with_token));
        let token = make_token(42, fingerprint(&a));
        assert_eq!(parse_token(&token, fingerprint(&a_with_token)), Some(42));
        assert_eq!(parse_token(&token, fingerprint(&b)), None);
        assert_eq!(parse_token("garbage", fingerprint(&a)), None);
    }
}
