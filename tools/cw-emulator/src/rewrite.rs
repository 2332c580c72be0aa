//! Rewriting of GetMetricData rpcv2Cbor responses produced by fakecloud.
//!
//! fakecloud answers a GetMetricData call with every datapoint at once and
//! `StatusCode: Complete` on every result. This module turns such a response
//! into what real CloudWatch could have sent:
//!
//! * **Paging.** At most `page_size` datapoints in total per response, counted
//!   across all results in response order. A result cut by the page end gets
//!   `StatusCode: PartialData`; a result whose points all lie on other pages is
//!   left out of this page; a result with no points at all is sent on the first
//!   page only. `NextToken` is set while points remain. The client resends the
//!   same request with the token and merges results by `Id`, as with the real
//!   API.
//! * **Forbidden ids.** Results for these query ids lose their points and get
//!   `StatusCode: Forbidden` plus a `Messages` entry (the SDK models the
//!   `Forbidden` status, so no whole-call error is needed).
//! * **Partial data.** Every result not `Forbidden` gets `StatusCode:
//!   PartialData`.
//!
//! Everything here is pure: it works on a decoded [`CborValue`] and is unit
//! tested below.

use fakecloud_core::cbor::CborValue;

/// What to do to one GetMetricData response.
#[derive(Debug, Clone, Default)]
pub struct Rewrite<'a> {
    /// Query ids whose results become `Forbidden`.
    pub forbidden_ids: &'a [String],
    /// Force `PartialData` on every result that is not `Forbidden`.
    pub partial_data: bool,
    /// Index of the first datapoint (over all results, in response order) to
    /// send on this page.
    pub offset: usize,
    /// Maximum number of datapoints on this page (at least 1).
    pub page_size: usize,
}

/// What a rewrite did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Datapoints sent on this page (sum of the `Values` lengths).
    pub datapoints: usize,
    /// Offset of the next page's first datapoint, when points remain.
    pub next_offset: Option<usize>,
}

fn text(s: &str) -> CborValue {
    CborValue::Text(s.to_string())
}

/// The value of `key` in a CBOR map's entries.
fn get<'v>(entries: &'v [(CborValue, CborValue)], key: &str) -> Option<&'v CborValue> {
    entries
        .iter()
        .find(|(k, _)| matches!(k, CborValue::Text(t) if t == key))
        .map(|(_, v)| v)
}

/// Set `key` to `value` in a CBOR map's entries, replacing any earlier value.
fn set(entries: &mut Vec<(CborValue, CborValue)>, key: &str, value: CborValue) {
    match entries
        .iter_mut()
        .find(|(k, _)| matches!(k, CborValue::Text(t) if t == key))
    {
        Some((_, v)) => *v = value,
        None => entries.push((text(key), value)),
    }
}

fn remove(entries: &mut Vec<(CborValue, CborValue)>, key: &str) {
    entries.retain(|(k, _)| !matches!(k, CborValue::Text(t) if t == key));
}

/// Length of the array member `key` (0 when absent).
fn array_len(entries: &[(CborValue, CborValue)], key: &str) -> Result<usize, String> {
    match get(entries, key) {
        None | Some(CborValue::Null) => Ok(0),
        Some(CborValue::Array(items)) => Ok(items.len()),
        Some(other) => Err(format!("{key} is not an array: {other:?}")),
    }
}

/// Keep only `range` of the array member `key`.
fn slice_array(entries: &mut [(CborValue, CborValue)], key: &str, lo: usize, hi: usize) {
    for (k, v) in entries.iter_mut() {
        if matches!(k, CborValue::Text(t) if t == key) {
            if let CborValue::Array(items) = v {
                let kept: Vec<CborValue> = items.drain(lo..hi.min(items.len())).collect();
                *items = kept;
            }
        }
    }
}

/// A result's `Id`, or an empty string.
fn result_id(entries: &[(CborValue, CborValue)]) -> &str {
    match get(entries, "Id") {
        Some(CborValue::Text(id)) => id,
        _ => "",
    }
}

/// Rewrite a decoded GetMetricData response in place; see the module docs.
pub fn rewrite(response: &mut CborValue, how: &Rewrite<'_>) -> Result<Outcome, String> {
    let CborValue::Map(top) = response else {
        return Err("GetMetricData response is not a CBOR map".to_string());
    };
    let mut results: Vec<CborValue> = match get(top, "MetricDataResults") {
        None | Some(CborValue::Null) => Vec::new(),
        Some(CborValue::Array(items)) => items.clone(),
        Some(other) => return Err(format!("MetricDataResults is not an array: {other:?}")),
    };

    // Forbidden ids and the forced PartialData status come first: they decide
    // how many points there are to page over.
    for result in results.iter_mut() {
        let CborValue::Map(entries) = result else {
            return Err("a MetricDataResult is not a CBOR map".to_string());
        };
        if how.forbidden_ids.iter().any(|f| f == result_id(entries)) {
            set(entries, "Timestamps", CborValue::Array(Vec::new()));
            set(entries, "Values", CborValue::Array(Vec::new()));
            set(entries, "StatusCode", text("Forbidden"));
            let message = CborValue::Map(vec![
                (text("Code"), text("Forbidden")),
                (
                    text("Value"),
                    text("cw-emulator: access to this metric is forbidden (fault injection)"),
                ),
            ]);
            set(entries, "Messages", CborValue::Array(vec![message]));
        } else if how.partial_data {
            set(entries, "StatusCode", text("PartialData"));
        }
    }

    // Paging over the datapoints of all results, in response order.
    let page_size = how.page_size.max(1);
    let page_end = how.offset.saturating_add(page_size);
    let mut total = 0usize;
    let mut sent = 0usize;
    let mut page: Vec<CborValue> = Vec::new();
    for mut result in results {
        let CborValue::Map(entries) = &mut result else {
            return Err("a MetricDataResult is not a CBOR map".to_string());
        };
        let n = array_len(entries, "Values")?;
        let timestamps = array_len(entries, "Timestamps")?;
        if n != timestamps {
            return Err(format!(
                "result {:?} has {n} values but {timestamps} timestamps",
                result_id(entries)
            ));
        }
        let start = total;
        total += n;
        if n == 0 {
            if how.offset == 0 {
                page.push(result);
            }
            continue;
        }
        let lo = how.offset.max(start);
        let hi = page_end.min(start + n);
        if lo >= hi {
            continue;
        }
        slice_array(entries, "Timestamps", lo - start, hi - start);
        slice_array(entries, "Values", lo - start, hi - start);
        if hi < start + n {
            set(entries, "StatusCode", text("PartialData"));
        }
        sent += hi - lo;
        page.push(result);
    }

    set(top, "MetricDataResults", CborValue::Array(page));
    let next_offset = (page_end < total).then_some(page_end);
    remove(top, "NextToken");
    Ok(Outcome {
        datapoints: sent,
        next_offset,
    })
}

/// Set (or clear) the top-level `NextToken` of a response map.
pub fn set_next_token(response: &mut CborValue, token: Option<&str>) {
    if let CborValue::Map(top) = response {
        remove(top, "NextToken");
        if let Some(token) = token {
            top.push((text("NextToken"), text(token)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, n: usize) -> CborValue {
        CborValue::Map(vec![
            (text("Id"), text(id)),
            (text("Label"), text(id)),
            (
                text("Timestamps"),
                CborValue::Array(
                    (0..n)
                        .map(|i| fakecloud_core::cbor::timestamp(60.0 * i as f64))
                        .collect(),
                ),
            ),
            (
                text("Values"),
                CborValue::Array((0..n).map(|i| CborValue::Float(i as f64)).collect()),
            ),
            (text("StatusCode"), text("Complete")),
        ])
    }

    fn response(results: Vec<CborValue>) -> CborValue {
        CborValue::Map(vec![
            (text("MetricDataResults"), CborValue::Array(results)),
            (text("Messages"), CborValue::Array(Vec::new())),
        ])
    }

    /// (id, values, status) of every result on a page.
    fn summary(resp: &CborValue) -> Vec<(String, Vec<f64>, String)> {
        let CborValue::Map(top) = resp else {
            panic!("not a map")
        };
        let Some(CborValue::Array(results)) = get(top, "MetricDataResults") else {
            panic!("no results")
        };
        results
            .iter()
            .map(|r| {
                let CborValue::Map(e) = r else { panic!() };
                let Some(CborValue::Array(values)) = get(e, "Values") else {
                    panic!()
                };
                let Some(CborValue::Text(status)) = get(e, "StatusCode") else {
                    panic!()
                };
                let values = values
                    .iter()
                    .map(|v| match v {
                        CborValue::Float(f) => *f,
                        _ => panic!(),
                    })
                    .collect();
                (result_id(e).to_string(), values, status.clone())
            })
            .collect()
    }

    fn page(offset: usize, page_size: usize) -> Rewrite<'static> {
        Rewrite {
            offset,
            page_size,
            ..Rewrite::default()
        }
    }

    #[test]
    fn no_paging_is_identity() {
        let mut r = response(vec![result("a", 3), result("b", 2)]);
        let before = r.clone();
        let out = rewrite(&mut r, &page(0, 100_800)).unwrap();
        assert_eq!(
            out,
            Outcome {
                datapoints: 5,
                next_offset: None
            }
        );
        assert_eq!(r, before);
    }

    #[test]
    fn pages_across_results() {
        let all = response(vec![result("a", 3), result("empty", 0), result("b", 2)]);
        let mut p1 = all.clone();
        let out = rewrite(&mut p1, &page(0, 2)).unwrap();
        assert_eq!(out.next_offset, Some(2));
        assert_eq!(
            summary(&p1),
            vec![
                ("a".into(), vec![0.0, 1.0], "PartialData".into()),
                ("empty".into(), vec![], "Complete".into()),
            ]
        );
        let mut p2 = all.clone();
        let out = rewrite(&mut p2, &page(2, 2)).unwrap();
        assert_eq!(out.next_offset, Some(4));
        assert_eq!(
            summary(&p2),
            vec![
                ("a".into(), vec![2.0], "Complete".into()),
                ("b".into(), vec![0.0], "PartialData".into()),
            ]
        );
        let mut p3 = all;
        let out = rewrite(&mut p3, &page(4, 2)).unwrap();
        assert_eq!(
            out,
            Outcome {
                datapoints: 1,
                next_offset: None
            }
        );
        assert_eq!(
            summary(&p3),
            vec![("b".into(), vec![1.0], "Complete".into())]
        );
    }

    #[test]
    fn forbidden_and_partial() {
        let forbidden = vec!["b".to_string()];
        let mut r = response(vec![result("a", 2), result("b", 2)]);
        let out = rewrite(
            &mut r,
            &Rewrite {
                forbidden_ids: &forbidden,
                partial_data: true,
                offset: 0,
                page_size: 10,
            },
        )
        .unwrap();
        assert_eq!(out.datapoints, 2);
        assert_eq!(
            summary(&r),
            vec![
                ("a".into(), vec![0.0, 1.0], "PartialData".into()),
                ("b".into(), vec![], "Forbidden".into()),
            ]
        );
    }

    #[test]
    fn next_token_is_set_and_cleared() {
        let mut r = response(vec![]);
        set_next_token(&mut r, Some("t1"));
        set_next_token(&mut r, Some("t2"));
        let CborValue::Map(top) = &r else { panic!() };
        assert_eq!(get(top, "NextToken"), Some(&text("t2")));
        assert_eq!(
            top.iter().filter(|(k, _)| k == &text("NextToken")).count(),
            1
        );
        set_next_token(&mut r, None);
        let CborValue::Map(top) = &r else { panic!() };
        assert_eq!(get(top, "NextToken"), None);
    }
}
