//! `hitem3d estimate`: the price of tasks from the published figures, before paying.

use hitem3d_async::types::{RequestType, TaskType};
use serde_json::json;

use crate::cli::{EstimateArgs, TaskKindArg};
use crate::exit_code::{Exit, Failure};
use crate::report::Report;

/// Runs `hitem3d estimate`; needs no connection.
pub fn run(args: &EstimateArgs, report: Report) -> Result<Exit, Failure> {
    let (what, each) = match args.task {
        TaskKindArg::ImageTo3d => {
            let caps = args.model.capabilities().ok_or_else(|| {
                Failure::invalid(format!(
                    "--model {}: no published prices for it",
                    args.model
                ))
            })?;
            let resolution = args
                .resolution
                .clone()
                .unwrap_or_else(|| caps.default_resolution.clone());
            let request_type = args
                .request_type
                .clone()
                .unwrap_or(RequestType::GeometryAndTexture);
            let each = args.model.estimated_credits(&resolution, &request_type);
            let what = format!(
                "{} at {resolution} ({})",
                args.model,
                request_type.name().unwrap_or("?")
            );
            (what, each)
        }
        other => {
            let task_type = task_type(other);
            (task_type.to_string(), task_type.credits())
        }
    };
    let Some(each) = each else {
        return Err(Failure::invalid(format!(
            "no published price for {what}: check the service's pricing page"
        )));
    };
    let total = u64::from(each) * u64::from(args.count);
    let text = if args.count == 1 {
        format!("{what}: about {each} credits")
    } else {
        format!(
            "{what}: about {each} credits each, {total} for {}",
            args.count
        )
    };
    report.emit(
        "estimate",
        json!({"task": what, "credits_each": each, "count": args.count, "credits": total}),
        &format!("{text} (published figures; the service charges what it charges)"),
    );
    Ok(Exit::Done)
}

fn task_type(kind: TaskKindArg) -> TaskType {
    match kind {
        TaskKindArg::ImageTo3d => TaskType::ImageTo3d,
        TaskKindArg::Relief => TaskType::Relief,
        TaskKindArg::Split => TaskType::Split,
        TaskKindArg::Segmentation => TaskType::Segmentation,
        TaskKindArg::Multicolor => TaskType::Multicolor,
    }
}
