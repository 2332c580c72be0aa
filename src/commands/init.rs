//! `slo init`: a starting slo.yaml, from a template or from what CloudWatch
//! lists for one resource. An existing file is never replaced without --force.

use crate::cli::{Global, InitArgs};
use crate::config::init::{render, Start};
use crate::error::{exit, Error, Result};
use crate::source::cloudwatch::client::Settings;
use crate::source::cloudwatch::discover::{discover, Resource};

pub fn run(g: &Global, a: &InitArgs) -> Result<u8> {
    let path = &g.config;
    if !a.force && std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::usage(format!(
            "{}: already there; slo init leaves it as it is",
            path.display()
        ))
        .hint("pass --force to replace it, or --config to write another file"));
    }
    let resource = [
        (Resource::Alb, &a.alb),
        (Resource::TargetGroup, &a.target_group),
        (Resource::ApiGateway, &a.api_gateway),
    ]
    .into_iter()
    .find_map(|(kind, name)| name.as_ref().map(|n| (kind, n.trim().to_string())));
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (text, notes, what) = match &resource {
        None => {
            let service = a.service.clone().unwrap_or_else(|| "my-service".into());
            let (text, notes) = render(&service, &Start::Template, &today).map_err(Error::usage)?;
            (text, notes, "a template (source: files)".to_string())
        }
        Some((kind, name)) => {
            if name.is_empty() {
                return Err(Error::usage(format!("{}: a name is needed", kind.flag())));
            }
            let settings = Settings {
                region: a.region.clone(),
                profile: a.profile.clone(),
                endpoint_url: a.endpoint_url.clone(),
            };
            let found = discover(&settings, *kind, name)?;
            // The service is called after the resource: `shop` for `app/shop/1f2e`.
            let short = found
                .dimensions
                .get(kind.dimension())
                .map(|v| v.split('/').nth(1).unwrap_or(v).to_string())
                .unwrap_or_else(|| name.clone());
            let service = a.service.clone().unwrap_or(short);
            let start = Start::Resource {
                kind: *kind,
                found: &found,
                profile: a.profile.as_deref(),
                endpoint_url: a.endpoint_url.as_deref(),
            };
            let (text, notes) = render(&service, &start, &today).map_err(Error::data)?;
            let what = format!(
                "{} {} ({} metrics listed: {})",
                kind.dimension(),
                found.dimensions.get(kind.dimension()).map_or("", |v| v),
                found.metrics.len(),
                found.metrics.iter().cloned().collect::<Vec<_>>().join(", ")
            );
            (text, notes, what)
        }
    };
    crate::report::output::write_atomic(path, text.as_bytes())?;
    for n in &notes {
        crate::warn(n);
    }
    if !g.quiet {
        eprintln!(
            "wrote {} for {what}\nnext: slo validate --config {0}, then slo report --config {0}",
            path.display()
        );
    }
    Ok(exit::OK)
}
